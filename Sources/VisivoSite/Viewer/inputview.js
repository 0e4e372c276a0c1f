// A 2.x input on a dashboard: `div.vz-input[data-input=<name>][data-display=<type>]`
// drawn as its display type. Single-select: dropdown (`select`), radio, toggle and tabs
// (`input[type=radio]`, toggle and tabs styled as buttons), autocomplete (a text field
// over a `datalist`), slider (`input[type=range]` over the options). Multi-select:
// dropdown (`select[multiple]`), checkboxes, chips and tags (`input[type=checkbox]`,
// chips and tags styled as buttons); a range: range-slider (`input.vz-range-start`,
// `input.vz-range-end`) or date-range (`input[type=date].vz-date-start`, `.vz-date-end`).
// Each control's value is the option's JSON. It holds no state: `update` shows one, a
// change is reported through `onPick(name, state)`.

import { h } from './dom.js';
import { isRangeInput, optionText, nearestStep } from './inputs.js';

export class InputItemView {
  constructor(item, onPick) {
    this.name = item.input;
    this.onPick = onPick;
    this.controls = h('div', { className: 'vz-input-controls' });
    this.label = h('label', { className: 'vz-card-title' }, this.name);
    this.box = h('div', { className: 'vz-input', dataset: { input: this.name } }, this.label, this.controls);
    this.element = h('div', { className: 'vz-item vz-card vz-input-item', dataset: { kind: 'input', name: this.name } }, this.box);
    this.shape = null;
  }

  update(ctx) {
    const input = ctx.project.inputs?.[this.name];
    if (!input) {
      this.controls.replaceChildren(h('span', { className: 'vz-muted' }, `Input “${this.name}” is not in the project.`));
      return;
    }
    const shape = JSON.stringify([input.type, input.display, input.options, input.range ?? null]);
    if (shape !== this.shape) {
      this.shape = shape;
      this.box.dataset.display = input.display;
      this.label.textContent = input.label || this.name;
      this.controls.replaceChildren(...this.build(input));
    }
    this.show(input, ctx.inputStates[this.name]);
  }

  pick(state) {
    this.onPick(this.name, state);
  }

  build(input) {
    const options = input.options ?? [];
    if (options.length === 0) return [h('span', { className: 'vz-muted' }, 'No options')];
    const value = (o) => JSON.stringify(o);
    if (input.type === 'single-select') {
      switch (input.display) {
        case 'radio':
        case 'toggle':
        case 'tabs':
          return options.map((o) =>
            h(
              'label',
              { className: `vz-choice vz-choice--${input.display}` },
              h('input', { type: 'radio', name: `vz-input-${this.name}`, value: value(o), on: { change: () => this.pick(o) } }),
              h('span', {}, optionText(o)),
            ),
          );
        case 'autocomplete': {
          const listId = `vz-options-${this.name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
          const field = h('input', {
            type: 'text',
            list: listId,
            'aria-label': input.label || this.name,
            on: {
              change: () => {
                const o = options.find((x) => optionText(x) === field.value);
                if (o !== undefined) this.pick(o);
              },
            },
          });
          return [field, h('datalist', { id: listId }, options.map((o) => h('option', { value: optionText(o) })))];
        }
        case 'slider': {
          const shown = h('span', { className: 'vz-slider-value' });
          const slider = h('input', {
            type: 'range', min: 0, max: options.length - 1, step: 1, 'aria-label': input.label || this.name,
            on: { change: () => this.pick(options[Number(slider.value)]), input: () => (shown.textContent = optionText(options[Number(slider.value)])) },
          });
          return [slider, shown];
        }
        default: {
          const select = h(
            'select',
            { 'aria-label': input.label || this.name, on: { change: () => this.pick(JSON.parse(select.value)) } },
            options.map((o) => h('option', { value: value(o) }, optionText(o))),
          );
          return [select];
        }
      }
    }
    if (isRangeInput(input)) return this.buildRange(input, options);
    switch (input.display) {
      case 'checkboxes':
      case 'chips':
      case 'tags':
        return options.map((o) =>
          h(
            'label',
            { className: `vz-choice vz-choice--${input.display}` },
            h('input', { type: 'checkbox', value: value(o), on: { change: () => this.pick(this.checked(options)) } }),
            h('span', {}, optionText(o)),
          ),
        );
      default: {
        const select = h(
          'select',
          {
            multiple: true,
            'aria-label': input.label || this.name,
            on: { change: () => this.pick([...select.selectedOptions].map((x) => JSON.parse(x.value))) },
          },
          options.map((o) => h('option', { value: value(o) }, optionText(o))),
        );
        return [select];
      }
    }
  }

  checked(options) {
    const on = new Set([...this.controls.querySelectorAll('input[type=checkbox]')].filter((b) => b.checked).map((b) => b.value));
    return options.filter((o) => on.has(JSON.stringify(o)));
  }

  buildRange(input, options) {
    const dates = input.display === 'date-range';
    const pickRange = () => {
      let a = this.stepOf(options, dates ? start.value : Number(start.value), dates);
      let b = this.stepOf(options, dates ? end.value : Number(end.value), dates);
      if (b < a) [a, b] = [b, a];
      this.pick({ start: options[a], end: options[b] });
    };
    const field = (cls) =>
      dates
        ? h('input', { type: 'date', className: cls, min: options[0], max: options[options.length - 1], on: { change: pickRange } })
        : h('input', { type: 'range', className: cls, min: 0, max: options.length - 1, step: 1, on: { change: pickRange } });
    const start = field(dates ? 'vz-date-start' : 'vz-range-start');
    const end = field(dates ? 'vz-date-end' : 'vz-range-end');
    this.rangeText = h('span', { className: 'vz-range-value' });
    return [start, end, this.rangeText];
  }

  /** A control's position as a step index (a slider gives it; a date is snapped to the nearest step). */
  stepOf(options, raw, dates) {
    return dates ? nearestStep(options, raw) : Math.max(0, Math.min(options.length - 1, raw));
  }

  show(input, state) {
    const options = input.options ?? [];
    if (input.type === 'single-select') {
      const text = JSON.stringify(state);
      for (const radio of this.controls.querySelectorAll('input[type=radio]')) {
        radio.checked = radio.value === text;
        radio.closest('.vz-choice').classList.toggle('vz-choice--on', radio.checked);
      }
      const select = this.controls.querySelector('select');
      if (select) select.value = text;
      const slider = this.controls.querySelector('input[type=range]');
      if (slider) {
        slider.value = String(Math.max(0, nearestStep(options, state)));
        this.controls.querySelector('.vz-slider-value').textContent = optionText(state);
      }
      const field = this.controls.querySelector('input[type=text]');
      if (field && document.activeElement !== field) field.value = optionText(state);
      return;
    }
    if (isRangeInput(input)) {
      const a = Math.max(0, nearestStep(options, state?.start));
      const b = Math.max(0, nearestStep(options, state?.end));
      const dates = input.display === 'date-range';
      const start = this.controls.querySelector(dates ? '.vz-date-start' : '.vz-range-start');
      const end = this.controls.querySelector(dates ? '.vz-date-end' : '.vz-range-end');
      if (start) start.value = dates ? String(options[a]) : String(a);
      if (end) end.value = dates ? String(options[b]) : String(b);
      if (this.rangeText) this.rangeText.textContent = `${optionText(options[a])} – ${optionText(options[b])}`;
      return;
    }
    const chosen = new Set((Array.isArray(state) ? state : []).map((v) => JSON.stringify(v)));
    for (const box of this.controls.querySelectorAll('input[type=checkbox]')) {
      box.checked = chosen.has(box.value);
      box.closest('.vz-choice').classList.toggle('vz-choice--on', box.checked);
    }
    const select = this.controls.querySelector('select[multiple]');
    if (select) for (const option of select.options) option.selected = chosen.has(option.value);
  }
}
