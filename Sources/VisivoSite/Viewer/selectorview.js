// A selector's widget, `<div class="vz-selector" data-selector="<key>">`: toggle chips
// (checkboxes) with "All"/"None" for a multiple selector, a <select> for a single one.
// It holds no state: `update` shows a choice, a user's change is reported through
// `onChoose(key, values)` and comes back through `update`.

import { h } from './dom.js';

export class SelectorWidget {
  constructor(key, onChoose) {
    this.key = key;
    this.onChoose = onChoose;
    this.element = h('div', { className: 'vz-selector', dataset: { selector: key } });
    this.drawnShape = null;
  }

  /** Shows `selector` (`{type, options}`) with `chosen` options selected. */
  update(selector, chosen) {
    const shape = JSON.stringify([selector.type, selector.options]);
    if (shape !== this.drawnShape) {
      this.drawnShape = shape;
      this.element.classList.toggle('vz-selector--single', selector.type === 'single');
      this.element.classList.toggle('vz-selector--multiple', selector.type !== 'single');
      this.element.replaceChildren(...this.controls(selector));
    }
    const set = new Set(chosen);
    if (selector.type === 'single') {
      this.element.querySelector('select').value = chosen.length > 0 ? chosen[0] : '';
    } else {
      for (const box of this.element.querySelectorAll('input[type=checkbox]')) {
        box.checked = set.has(box.value);
        box.closest('.vz-chip').classList.toggle('vz-chip--on', box.checked);
      }
    }
  }

  controls(selector) {
    if (selector.options.length === 0) return [h('span', { className: 'vz-muted' }, 'No options')];
    if (selector.type === 'single') {
      const select = h(
        'select',
        { 'aria-label': this.key, on: { change: () => this.onChoose(this.key, [select.value]) } },
        selector.options.map((option) => h('option', { value: option }, option)),
      );
      return [select];
    }
    const options = h(
      'div',
      { className: 'vz-chips', role: 'group', 'aria-label': this.key },
      selector.options.map((option) =>
        h(
          'label',
          { className: 'vz-chip', title: option },
          h('input', { type: 'checkbox', value: option, on: { change: () => this.reportChecked() } }),
          h('span', {}, option),
        ),
      ),
    );
    const choose = (values) => () => this.onChoose(this.key, values);
    const actions = h(
      'div',
      { className: 'vz-selector-actions' },
      h('button', { type: 'button', className: 'vz-link-button vz-select-all', on: { click: choose(selector.options) } }, 'All'),
      h('button', { type: 'button', className: 'vz-link-button vz-select-none', on: { click: choose([]) } }, 'None'),
    );
    return [options, actions];
  }

  reportChecked() {
    const checked = [...this.element.querySelectorAll('input[type=checkbox]')]
      .filter((box) => box.checked)
      .map((box) => box.value);
    this.onChoose(this.key, checked);
  }
}
