// A dashboard page's content: rows as CSS grids (`div.vz-row`) of item views, the
// selectors' state (read from and written to the URL query through the page), and
// redrawing. `show(project, loaded)` draws a project version: when the dashboard's
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

export class DashboardView {
  /**
   * `base`: the page's base; `dashboardName`: the dashboard to show; `search`:
   * `{get(), set(query)}` over the page's URL query (where selector state lives).
   */
  constructor({ base, dashboardName, search }) {
    this.base = base;
    this.name = dashboardName;
    this.search = search;
    this.element = h('main', { className: 'vz-dashboard' });
    this.tableStates = new Map();
    this.shape = null;
    this.rows = [];
    this.ctx = null;
    this.choose = this.choose.bind(this);
  }

  /** Draws `project` with `loaded` (trace name -> {data} | {error}). */
  show(project, loaded) {
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
    this.rows = dashboard.rows.map((row) => {
      const views = (row.items ?? []).map((item) => this.createView(item));
      const element = h(
        'div',
        { className: 'vz-row', dataset: { name: row.name ?? undefined } },
        views.map((view) => view.element),
      );
      return { element, views };
    });
    this.element.replaceChildren(...this.rows.map((row) => row.element));
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
      default:
        return new EmptyView(item);
    }
  }

  destroyViews() {
    for (const row of this.rows) for (const view of row.views) view.destroy?.();
    this.rows = [];
  }

  /**
   * What every view draws from: the project, its loaded data, the selectors and their
   * current choice.
   */
  context() {
    const project = this.project;
    const dashboard = this.dashboard;
    const loadedOf = (name) => this.loaded.get(name);
    const ownerOf = (kind, name) => (kind === 'chart' ? project.charts : project.tables)?.[name];
    const cohortsOf = (kind, name) => {
      const traceNames = ownerOf(kind, name)?.traces ?? [];
      const { data } = drawableTraceData(traceNames, project.traces ?? {}, loadedOf);
      return traceCohorts(traceNames, (trace) => data.get(trace) ?? null);
    };
    const selectors = dashboardSelectors(project, dashboard, cohortsOf);
    const query = this.search.get();
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
    };
  }

  /** Redraws every view from the current project, data and URL state. */
  refresh() {
    const ctx = this.context();
    this.ctx = ctx;
    const hidden = hiddenItemNames(ctx.selectors, ctx.chosen, ctx.itemNames);
    const shown = [];
    this.dashboard.rows.forEach((row, r) => {
      const { element, views } = this.rows[r];
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
        view.update(ctx, items[i]);
      });
    });
    for (const view of shown) view.resize?.();
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
