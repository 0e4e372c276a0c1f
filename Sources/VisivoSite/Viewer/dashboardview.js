// A dashboard page's content: rows as CSS grids (`div.vz-row`) of item views (an item
// may hold rows of its own), the selectors' and inputs' state (read from and written to
// the URL query through the page), and redrawing. An insight that reads inputs is drawn
// from its data.json while the inputs are at their defaults, else from the data for the
// inputs' values: a dist's precomputed file, or (under serve) the server's answer. `show(project, loaded)` draws a project version: when the dashboard's
// shape (rows, items) is unchanged the existing views update in place (plots through
// Plotly.react, tables keeping page and sort); otherwise the views are built anew.

import { h } from './dom.js';
import { notice } from './chrome.js';
import { findDashboard, dashboardHasItems, dashboardShape, itemKind, projectHref } from './model.js';
import { rowGrid } from './grid.js';
import { drawableTraceData, traceCohorts } from './traces.js';
import { autoSelectorKey, dashboardItemNames, dashboardSelectors, hiddenItemNames } from './selectors.js';
import { queryValue, withQueryValue, selectionFromQuery, selectionQueryValue } from './query.js';
import { ChartView } from './chartview.js';
import { TableView } from './tableview.js';
import { MarkdownView, SelectorItemView, EmptyView } from './itemviews.js';
import { InputItemView } from './inputview.js';
import { inputStates, inputQueryKey, inputQueryValue, insightSource, requestValues } from './inputs.js';
import { loadScript } from './loader.js';

export class DashboardView {
  /**
   * `base`: the page's base; `dashboardName`: the dashboard to show; `search`:
   * `{get(), set(query)}` over the page's URL query (where selector state lives).
   */
  constructor({ base, dashboardName, search, live = false }) {
    this.base = base;
    this.live = live;
    // Insight data for input values other than the defaults: `${insight}\n${combination}` -> {data} | {error}.
    this.variants = new Map();
    this.pending = new Set();
    this.name = dashboardName;
    this.search = search;
    this.element = h('main', { className: 'vz-dashboard' });
    this.tableStates = new Map();
    this.shape = null;
    this.rows = [];
    this.ctx = null;
    this.choose = this.choose.bind(this);
    this.pick = this.pick.bind(this);
  }

  /** Draws `project` with `loaded` (trace name -> {data} | {error}). */
  show(project, loaded) {
    // Another version of the project: its data may differ for every combination.
    if (this.project && this.project.version !== project.version) {
      this.variants.clear();
      this.pending.clear();
    }
    this.project = project;
    this.loaded = loaded;
    const dashboard = findDashboard(project, this.name);
    if (!dashboard || !dashboardHasItems(dashboard)) {
      this.destroyViews();
      this.shape = null;
      this.element.replaceChildren(this.emptyNotice(dashboard));
      return;
    }
    this.dashboard = dashboard;
    const shape = dashboardShape(dashboard);
    if (shape !== this.shape) {
      this.build(dashboard);
      this.shape = shape;
    }
    this.refresh();
  }

  emptyNotice(dashboard) {
    const back = [{ href: projectHref(this.base), text: '← All dashboards' }];
    if (!dashboard) {
      return notice(`There is no dashboard named “${this.name}”`, [
        'It may have been renamed or removed from the project.',
      ], back);
    }
    return notice(`“${this.name}” has no items yet`, [
      'Add rows with items (a chart, table, markdown or selector) under this dashboard in the project file, then build again.',
    ], back);
  }

  build(dashboard) {
    this.destroyViews();
    this.rows = this.buildRows(dashboard.rows);
    this.element.replaceChildren(...this.rows.map((row) => row.element));
  }

  /** Row elements and their item views for `rows`. */
  buildRows(rows) {
    return (rows ?? []).map((row) => {
      const views = (row.items ?? []).map((item) => this.createView(item));
      const element = h(
        'div',
        { className: 'vz-row', dataset: { name: row.name ?? undefined } },
        views.map((view) => view.element),
      );
      return { element, views };
    });
  }

  createView(item) {
    switch (itemKind(item)) {
      case 'chart':
        return new ChartView(item.chart);
      case 'table':
        if (!this.tableStates.has(item.table)) this.tableStates.set(item.table, {});
        return new TableView(item.table, this.tableStates.get(item.table));
      case 'markdown':
        return new MarkdownView(item);
      case 'selector':
        return new SelectorItemView(item, this.choose);
      case 'input':
        return new InputItemView(item, this.pick);
      case 'rows':
        return new RowsView(item, this);
      default:
        return new EmptyView(item);
    }
  }

  destroyViews() {
    for (const row of this.rows) for (const view of row.views) view.destroy?.();
    this.rows = [];
  }

  /** The data an insight that reads inputs is drawn from now (see inputs.js insightSource). */
  insightData(name, states, before) {
    const entry = this.project.traces?.[name];
    const source = insightSource(entry, states, this.project.inputs, this.live);
    if (source.kind === 'built') return this.loaded.get(name);
    if (source.kind === 'missing') {
      return { error: 'this combination of input values is not in the dist (raise visivo dist --max-input-combinations, or use visivo serve)' };
    }
    const id = `${name}\n${source.key}`;
    if (this.variants.has(id)) return this.variants.get(id);
    if (!this.pending.has(id)) {
      this.pending.add(id);
      const version = this.project.version;
      this.fetchVariant(name, entry, source, states).then((result) => {
        // An answer for an earlier version of the project is dropped. A failure is kept
        // until the next pick (then asked again), so a failing source is not asked in a loop.
        if (this.project.version !== version) return;
        this.pending.delete(id);
        this.variants.set(id, result);
        this.refresh();
      });
    }
    // Until it arrives, the data drawn before.
    return before.get(name) ?? this.loaded.get(name);
  }

  async fetchVariant(name, entry, source, states) {
    try {
      if (source.kind === 'file') {
        await loadScript(`${this.base}${source.path}`);
        const data = window.VISIVO_DATA?.[source.path];
        return data && typeof data === 'object' ? { data } : { error: `the data file ${source.path} defined no data` };
      }
      const values = JSON.stringify(requestValues(entry.inputs, states));
      const response = await fetch(`${this.base}_visivo/insight?name=${encodeURIComponent(name)}&values=${encodeURIComponent(values)}`);
      const body = await response.json();
      return response.ok ? { data: body } : { error: body.error ?? `the server answered ${response.status}` };
    } catch (error) {
      return { error: `could not load the data for these input values: ${error?.message ?? error}` };
    }
  }

  /**
   * What every view draws from: the project, its loaded data, the selectors and their
   * current choice.
   */
  context() {
    const project = this.project;
    const dashboard = this.dashboard;
    const query = this.search.get();
    const states = inputStates(project.inputs, (key) => queryValue(query, key));
    const before = this.lastDrawn ?? new Map();
    const drawn = new Map();
    const loadedOf = (name) => {
      if (drawn.has(name)) return drawn.get(name);
      const result = project.traces?.[name]?.inputs ? this.insightData(name, states, before) : this.loaded.get(name);
      drawn.set(name, result);
      return result;
    };
    this.lastDrawn = drawn;
    const ownerOf = (kind, name) => (kind === 'chart' ? project.charts : project.tables)?.[name];
    const cohortsOf = (kind, name) => {
      const traceNames = ownerOf(kind, name)?.traces ?? [];
      const { data } = drawableTraceData(traceNames, project.traces ?? {}, loadedOf);
      return traceCohorts(traceNames, (trace) => data.get(trace) ?? null);
    };
    const selectors = dashboardSelectors(project, dashboard, cohortsOf);
    const chosenCache = new Map();
    const chosen = (key) => {
      if (!chosenCache.has(key)) {
        const selector = selectors.get(key);
        chosenCache.set(key, selector ? selectionFromQuery(queryValue(query, key), selector.type, selector.options) : []);
      }
      return chosenCache.get(key);
    };
    return {
      project,
      loadedOf,
      selectors,
      chosen,
      itemNames: dashboardItemNames(dashboard),
      selectorOf: (kind, name) => selectors.get(ownerOf(kind, name)?.selector || autoSelectorKey(name)),
      choose: this.choose,
      inputStates: states,
    };
  }

  /** Redraws every view from the current project, data and URL state. */
  refresh() {
    const previous = this.lastDrawn;
    const ctx = this.context();
    this.ctx = ctx;
    const hidden = hiddenItemNames(ctx.selectors, ctx.chosen, ctx.itemNames);
    const shown = [];
    layoutRows(this.dashboard.rows, this.rows, ctx, hidden, shown);
    for (const view of shown) view.resize?.();
    // What was drawn stays the fallback while new data is on its way.
    for (const [name, result] of previous ?? []) if (!this.lastDrawn.has(name)) this.lastDrawn.set(name, result);
  }

  /** An input's new state: recorded in the URL (the default removes the key), then drawn. */
  pick(name, state) {
    const input = this.project?.inputs?.[name];
    if (!input) return;
    this.search.set(withQueryValue(this.search.get(), inputQueryKey(name), inputQueryValue(input, state)));
    for (const [id, result] of this.variants) if (result.error) this.variants.delete(id);
    this.refresh();
  }

  /** A selector's new choice: recorded in the URL (the default removes the key), then drawn. */
  choose(key, values) {
    const selector = this.ctx?.selectors.get(key);
    if (!selector) return;
    const value = selectionQueryValue(selector.type, selector.options, values);
    this.search.set(withQueryValue(this.search.get(), key, value));
    this.refresh();
  }
}

/** Lays out `rows` (their built `rowViews`) for `ctx`: grid, visibility, each view updated. */
function layoutRows(rows, rowViews, ctx, hidden, shown) {
  (rows ?? []).forEach((row, r) => {
    const { element, views } = rowViews[r];
    const items = row.items ?? [];
    const visible = items.map((item) => !(item.name && hidden.has(item.name)));
    const grid = rowGrid(row, visible);
    const rowVisible = !(row.name && hidden.has(row.name)) && visible.some(Boolean);
    element.classList.toggle('vz-row--compact', grid.heightPx === null);
    element.style.setProperty('--vz-cols', String(grid.columns));
    if (grid.heightPx === null) element.style.removeProperty('--vz-row-height');
    else element.style.setProperty('--vz-row-height', `${grid.heightPx}px`);
    if (element.hidden && rowVisible) shown.push(...views);
    element.hidden = !rowVisible;
    views.forEach((view, i) => {
      view.element.style.setProperty('--vz-span', String(grid.spans[i]));
      if (view.element.hidden && visible[i]) shown.push(view);
      view.element.hidden = !visible[i];
      view.update(ctx, items[i], { hidden, shown });
    });
  });
}

/** An item holding rows of its own (2.x): a column of rows inside the item's cell. */
class RowsView {
  constructor(item, dashboard) {
    this.rows = dashboard.buildRows(item.rows);
    this.element = h(
      'div',
      { className: 'vz-item vz-nested-rows', dataset: { kind: 'rows', name: item.name ?? undefined } },
      this.rows.map((row) => row.element),
    );
  }

  update(ctx, item, layout) {
    layoutRows(item.rows, this.rows, ctx, layout?.hidden ?? new Set(), layout?.shown ?? []);
  }

  resize() {
    for (const row of this.rows) for (const view of row.views) view.resize?.();
  }

  destroy() {
    for (const row of this.rows) for (const view of row.views) view.destroy?.();
  }
}
