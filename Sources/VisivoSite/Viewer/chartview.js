// A chart item: a card holding the plotly plot (`.vz-plot`, drawn with Plotly.newPlot
// the first time and Plotly.react after), an error box per trace that could not be
// drawn (`.vz-error`; the other traces still draw), a centred "No data" note
// (`.vz-empty`) over an empty plot when the data has no rows, and, when the chart's
// selector is automatic or not placed on the dashboard, that selector's widget. A
// chart whose document parts, data and selection are those it last drew is left as it is.

import { h, errorBox } from './dom.js';
import { chartTraces, drawingInputs, sameDrawingInputs } from './traces.js';
import { cohortFilter } from './selectors.js';
import { chartLayout, plotConfig } from './plotconfig.js';
import { SelectorWidget } from './selectorview.js';

export class ChartView {
  constructor(chartName) {
    this.name = chartName;
    this.head = h('div', { className: 'vz-card-head', hidden: true });
    this.errors = h('div', { className: 'vz-errors' });
    this.plot = h('div', { className: 'vz-plot' });
    this.area = h('div', { className: 'vz-plot-area' }, this.plot);
    this.element = h(
      'div',
      { className: 'vz-item vz-card', dataset: { kind: 'chart', name: chartName } },
      this.head,
      this.errors,
      this.area,
    );
    this.widget = null;
    this.drawn = false;
    this.inputs = null;
  }

  /** Draws the chart for the dashboard context `ctx` (see DashboardView.context). */
  update(ctx) {
    const chart = ctx.project.charts?.[this.name];
    if (!chart) {
      this.errors.replaceChildren(errorBox(`Chart “${this.name}” is not in the project.`));
      return;
    }
    const selector = ctx.selectorOf('chart', this.name);
    this.updateWidget(selector, ctx);
    const inputs = drawingInputs(chart, ctx.project.traces, ctx.loadedOf, selector ? [selector, ctx.chosen(selector.key), [...ctx.itemNames]] : null);
    if (this.drawn && sameDrawingInputs(inputs, this.inputs)) return;
    this.inputs = inputs;
    const keep = selector ? cohortFilter(selector, ctx.chosen(selector.key), ctx.itemNames) : null;
    const { traces, errors, cohortCount } = chartTraces(chart.traces ?? [], ctx.project.traces ?? {}, ctx.loadedOf, keep);
    this.errors.replaceChildren(...errors.map(errorBox));
    this.area.querySelector('.vz-empty, .vz-unselected')?.remove();
    if (cohortCount === 0 && errors.length === 0) {
      this.area.append(h('div', { className: 'vz-empty' }, 'No data'));
    } else if (cohortCount > 0 && traces.length === 0) {
      this.area.append(h('div', { className: 'vz-unselected' }, 'Nothing selected'));
    }
    this.draw(traces, chartLayout(chart.layout));
  }

  updateWidget(selector, ctx) {
    const inCard = Boolean(selector && (selector.automatic || !selector.placed));
    if (inCard && this.widget?.key !== selector.key) {
      this.widget = new SelectorWidget(selector.key, ctx.choose);
      this.head.replaceChildren(this.widget.element);
    } else if (!inCard && this.widget) {
      this.widget = null;
      this.head.replaceChildren();
    }
    this.head.hidden = !inCard;
    if (inCard) this.widget.update(selector, ctx.chosen(selector.key));
  }

  draw(traces, layout) {
    const failed = (error) =>
      this.errors.append(errorBox(`Chart “${this.name}” could not be drawn: ${error?.message ?? error}`));
    try {
      const drawing = this.drawn
        ? Plotly.react(this.plot, traces, layout, plotConfig(this.name))
        : Plotly.newPlot(this.plot, traces, layout, plotConfig(this.name));
      this.drawn = true;
      Promise.resolve(drawing).catch(failed);
    } catch (error) {
      failed(error);
    }
  }

  /** Fits the plot to its card again (after the card was hidden, say). */
  resize() {
    if (this.drawn && this.plot.offsetParent !== null) Plotly.Plots.resize(this.plot);
  }

  /** Frees plotly's resources; the view is not used again. */
  destroy() {
    if (this.drawn) Plotly.purge(this.plot);
  }
}
