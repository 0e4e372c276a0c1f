// Reading a page's document (`window.VISIVO_PROJECT`): dashboards, what an item is, which
// traces and data files a dashboard needs, and page addresses. Pure: no DOM.

/** The dashboard named `name`, or null. */
export function findDashboard(project, name) {
  return (project?.dashboards ?? []).find((dashboard) => dashboard.name === name) ?? null;
}

/** What an item shows: 'chart', 'table', 'markdown', 'selector', 'input', 'rows' (nested rows), or 'empty'. */
export function itemKind(item) {
  if (item.chart) return 'chart';
  if (item.table) return 'table';
  if (typeof item.markdown === 'string') return 'markdown';
  if (item.selector) return 'selector';
  if (item.input) return 'input';
  if (Array.isArray(item.rows)) return 'rows';
  return 'empty';
}

/** The name an item is known by in the page: its chart, table, selector or input, else its own name. */
export function itemLabel(item) {
  return item.chart || item.table || item.selector || item.input || item.name || null;
}

/** Every item of `rows`, nested rows' too, depth first. */
export function allItems(rows) {
  const items = [];
  for (const row of rows ?? []) {
    for (const item of row.items ?? []) {
      items.push(item);
      if (Array.isArray(item.rows)) items.push(...allItems(item.rows));
    }
  }
  return items;
}

/** Whether a dashboard has at least one item. */
export function dashboardHasItems(dashboard) {
  return (dashboard?.rows ?? []).some((row) => (row.items ?? []).length > 0);
}

/** The traces of a dashboard's charts and tables, each once, in order of appearance. */
export function dashboardTraceNames(project, dashboard) {
  const names = new Set();
  for (const item of allItems(dashboard?.rows)) {
    const owner = item.chart ? project.charts?.[item.chart] : item.table ? project.tables?.[item.table] : null;
    for (const trace of owner?.traces ?? []) names.add(trace);
  }
  return [...names];
}

/**
 * The version of each data file of the named traces that were built: the build's version
 * of the data when the document gives one (it changes exactly when the data does), else
 * the project's version.
 */
export function dataFileVersions(project, traceNames) {
  const versions = new Map();
  for (const name of traceNames) {
    const entry = project.traces?.[name];
    if (entry?.status === 'ok' && entry.data && !versions.has(entry.data)) {
      versions.set(entry.data, String(entry.version ?? project.version ?? ''));
    }
  }
  return versions;
}

/**
 * A dashboard's shape: its rows' heights and names and its items' widths, names and
 * contents' names. Two versions of a project with the same shape redraw in place.
 */
export function dashboardShape(dashboard) {
  const shape = (rows) =>
    (rows ?? []).map((row) => [
      row.height ?? null,
      row.name ?? null,
      (row.items ?? []).map((item) => [item.width ?? 1, item.name ?? null, itemKind(item), itemLabel(item), shape(item.rows)]),
    ]);
  return JSON.stringify(shape(dashboard?.rows));
}

/** The address of a dashboard's page from a page at `base`. */
export function dashboardHref(base, dashboard) {
  return `${base}${dashboard.path ?? ''}index.html`;
}

/** The address of the project page from a page at `base`. */
export function projectHref(base) {
  return `${base}index.html`;
}

/** A data file's address (its `data` key, cache-busted by its version). */
export function dataFileHref(base, file, version) {
  return `${base}${file}?v=${encodeURIComponent(version ?? '')}`;
}
