// A table item: one cohort at a time (its selector's choice, else the first) in a
// `<table class="vz-table">` with sortable headers (`th[data-key]`, click again to
// reverse), paging (`select.vz-page-size`, `button.vz-prev`/`.vz-next`, `span.vz-page`
// "1 / 3") and a `button.vz-download` that saves the whole table as CSV. Sort and page
// live in a state object the dashboard keeps across live reloads.

import { h, errorBox } from './dom.js';
import { drawableTraceData, traceCohorts } from './traces.js';
import { cohortFilter, tableCohort } from './selectors.js';
import { tableColumns, rowCount, cellValue, cellText, isNumericColumn, sortedRowOrder, pageSlice, pageSizeChoices, initialPageSize, tableCsv } from './tabledata.js';
import { fileSafeName } from './plotconfig.js';
import { SelectorWidget } from './selectorview.js';
import { pivotTable } from './pivot.js';
import { cellShade } from './cellcolors.js';

export class TableView {
  /** `state`: `{page, pageSize, sortKey, sortDir, cohortId}`, filled in on first use. */
  constructor(tableName, state) {
    this.name = tableName;
    this.state = state;
    this.title = h('h3', { className: 'vz-card-title' }, tableName);
    this.head = h('div', { className: 'vz-card-head' }, this.title);
    this.errors = h('div', { className: 'vz-errors' });
    this.body = h('div', { className: 'vz-table-scroll' });
    this.foot = h('div', { className: 'vz-table-foot' });
    this.element = h(
      'div',
      { className: 'vz-item vz-card', dataset: { kind: 'table', name: tableName } },
      this.head,
      this.errors,
      this.body,
      this.foot,
    );
    this.widget = null;
    this.current = null;
    this.order = null;
  }

  /** Shows the table for the dashboard context `ctx` (see DashboardView.context). */
  update(ctx) {
    const table = ctx.project.tables?.[this.name];
    if (!table) {
      this.errors.replaceChildren(errorBox(`Table “${this.name}” is not in the project.`));
      return;
    }
    const traceNames = table.traces ?? [];
    const { data, errors: problems } = drawableTraceData(traceNames, ctx.project.traces ?? {}, ctx.loadedOf);
    this.errors.replaceChildren(...problems.map(errorBox));
    const cohorts = traceCohorts(traceNames, (name) => data.get(name) ?? null);
    const selector = ctx.selectorOf('table', this.name);
    this.updateWidget(selector, ctx);
    const keep = selector ? cohortFilter(selector, ctx.chosen(selector.key), ctx.itemNames) : null;
    const entry = this.pivoted(table, tableCohort(cohorts, keep));
    if (!entry) {
      this.current = null;
      this.foot.hidden = true;
      const note = cohorts.length === 0
        ? h('div', { className: 'vz-empty' }, problems.length > 0 ? 'No data to show' : 'No data')
        : h('div', { className: 'vz-unselected' }, 'Nothing selected');
      this.body.replaceChildren(note);
      return;
    }
    const cohortId = `${entry.trace}\u0000${entry.cohort}`;
    if (this.state.pageSize === undefined) this.state.pageSize = initialPageSize(table.rows_per_page);
    if (this.state.cohortId !== cohortId) {
      this.state.cohortId = cohortId;
      this.state.page = 1;
    }
    // Unchanged table and cohort (another selector changed): keep the drawn rows and scroll.
    if (this.current && this.current.table === table && this.current.entry.columns === entry.columns) return;
    const columns = entry.pivotColumns ?? tableColumns(table, entry.trace, entry.columns);
    if (!columns.some((column) => column.key === this.state.sortKey)) this.state.sortKey = null;
    this.current = { table, entry, columns, count: rowCount(entry.columns, columns.map((column) => column.key)) };
    this.order = null;
    this.foot.hidden = false;
    this.render();
  }

  /** A pivot table's cohort pivoted (the same object while its data is the same). */
  pivoted(table, entry) {
    if (!entry || !table.pivot) return entry;
    if (this.pivotMemo?.source !== entry.columns) {
      const { data, columns } = pivotTable(table.pivot, entry.columns);
      this.pivotMemo = { source: entry.columns, entry: { ...entry, columns: data, pivotColumns: columns } };
    }
    return this.pivotMemo.entry;
  }

  updateWidget(selector, ctx) {
    const inCard = Boolean(selector && (selector.automatic || !selector.placed));
    if (inCard && this.widget?.key !== selector.key) {
      this.widget?.element.remove();
      this.widget = new SelectorWidget(selector.key, ctx.choose);
      this.head.append(this.widget.element);
    } else if (!inCard && this.widget) {
      this.widget.element.remove();
      this.widget = null;
    }
    if (inCard) this.widget.update(selector, ctx.chosen(selector.key));
  }

  rowOrder() {
    if (!this.order) {
      const { entry, count } = this.current;
      this.order = sortedRowOrder(entry.columns, this.state.sortKey, this.state.sortDir, count);
    }
    return this.order;
  }

  render() {
    const { table, entry, columns, count } = this.current;
    const state = this.state;
    const order = this.rowOrder();
    const slice = pageSlice(count, state.page, state.pageSize);
    state.page = slice.page;
    const numeric = columns.map((column) => isNumericColumn(entry.columns, column.key));
    const headers = columns.map((column, c) => {
      const sorted = state.sortKey === column.key;
      const direction = sorted ? (state.sortDir === 'desc' ? 'descending' : 'ascending') : 'none';
      return h(
        'th',
        {
          className: numeric[c] ? 'vz-num' : null,
          dataset: { key: column.key },
          'aria-sort': direction,
          tabindex: '0',
          scope: 'col',
          title: `Sort by ${column.header}`,
          on: {
            click: () => this.sortBy(column.key),
            keydown: (event) => {
              if (event.key === 'Enter' || event.key === ' ') {
                event.preventDefault();
                this.sortBy(column.key);
              }
            },
          },
        },
        h('span', {}, column.header),
        h('span', { className: 'vz-sort-arrow', 'aria-hidden': 'true' }, sorted ? (state.sortDir === 'desc' ? '▼' : '▲') : ''),
      );
    });
    const shade = table.format_cells
      ? cellShade(table.format_cells, entry.columns, columns.filter((_, c) => numeric[c]).map((column) => column.key), count)
      : null;
    const rows = [];
    for (let position = slice.start; position < slice.end; position++) {
      const index = order[position];
      rows.push(
        h(
          'tr',
          {},
          columns.map((column, c) => {
            const color = shade ? shade(column.key, index) : null;
            return h(
              'td',
              { className: numeric[c] ? 'vz-num' : null, style: color ? `background-color: ${color}` : null },
              cellText(cellValue(entry.columns, column.key, index)),
            );
          }),
        ),
      );
    }
    this.body.replaceChildren(
      h('table', { className: 'vz-table' }, h('thead', {}, h('tr', {}, headers)), h('tbody', {}, rows)),
    );
    this.renderFoot(table, slice, count);
  }

  renderFoot(table, slice, count) {
    const state = this.state;
    const sizes = h(
      'select',
      {
        className: 'vz-page-size',
        'aria-label': 'Rows per page',
        on: {
          change: (event) => {
            state.pageSize = Number(event.target.value);
            state.page = 1;
            this.render();
          },
        },
      },
      pageSizeChoices(table.rows_per_page).map((size) => h('option', { value: String(size) }, String(size))),
    );
    sizes.value = String(state.pageSize);
    const goTo = (page) => () => {
      state.page = page;
      this.render();
    };
    const range = count === 0 ? 'No rows' : `${slice.start + 1}–${slice.end} of ${count}`;
    this.foot.replaceChildren(
      h('label', { className: 'vz-page-size-label' }, 'Rows per page ', sizes),
      h('span', { className: 'vz-range' }, range),
      h(
        'span',
        { className: 'vz-pager' },
        h('button', { type: 'button', className: 'vz-prev', disabled: slice.page <= 1, 'aria-label': 'Previous page', on: { click: goTo(slice.page - 1) } }, '‹'),
        h('span', { className: 'vz-page' }, `${slice.page} / ${slice.pages}`),
        h('button', { type: 'button', className: 'vz-next', disabled: slice.page >= slice.pages, 'aria-label': 'Next page', on: { click: goTo(slice.page + 1) } }, '›'),
      ),
      h('button', { type: 'button', className: 'vz-download', on: { click: () => this.download() } }, 'Download CSV'),
    );
  }

  sortBy(key) {
    const state = this.state;
    state.sortDir = state.sortKey === key && state.sortDir !== 'desc' ? 'desc' : 'asc';
    state.sortKey = key;
    state.page = 1;
    this.order = null;
    this.render();
    this.body.querySelector(`th[data-key="${CSS.escape(key)}"]`)?.focus();
  }

  download() {
    const { columns, entry } = this.current;
    const csv = tableCsv(columns, entry.columns, this.rowOrder());
    const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
    const link = h('a', { href: url, download: `${fileSafeName(this.name)}.csv`, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }
}
