// Tables, without the DOM: which columns a cohort shows, cell text, a stable sort
// (numbers numerically, nulls last in either direction), paging, and CSV (RFC 4180).
// Rows are never materialised: a table is its cohort's column arrays plus an order of
// row indexes.

export const PAGE_SIZES = [3, 5, 15, 25, 50, 100, 500, 1000];
const DEFAULT_ROWS_PER_PAGE = 50;

const CELL_COLLATOR = new Intl.Collator(undefined, { numeric: true });

/** A column's header when no column_defs name it: the key's last dotted segment, `_` as space. */
export function columnHeader(key) {
  const segments = String(key).split('.');
  return segments[segments.length - 1].replace(/_/g, ' ');
}

/**
 * The columns (`[{key, header}]`) a table shows for a cohort of `traceName` whose
 * flat `data` is {key: array}: the table's column_defs for that trace, else every key
 * of the cohort in order.
 */
export function tableColumns(table, traceName, data) {
  const defs = (table?.column_defs ?? []).find((def) => def.trace_name === traceName);
  if (defs && Array.isArray(defs.columns) && defs.columns.length > 0) {
    return defs.columns.map((column) => ({
      key: column.key,
      header: column.header ?? columnHeader(column.key),
    }));
  }
  return Object.keys(data ?? {}).map((key) => ({ key, header: columnHeader(key) }));
}

/** The number of rows of a cohort's `data`: its longest column among `keys`. */
export function rowCount(data, keys) {
  return keys.reduce((count, key) => {
    const values = data?.[key];
    return Array.isArray(values) ? Math.max(count, values.length) : count;
  }, 0);
}

/** The value of column `key` in row `index` of a cohort's `data` (null when absent). */
export function cellValue(data, key, index) {
  const values = data?.[key];
  const value = Array.isArray(values) ? values[index] : undefined;
  return value === undefined ? null : value;
}

/** Whether column `key` of a cohort's `data` holds numbers (its first non-null value is one). */
export function isNumericColumn(data, key) {
  const values = data?.[key];
  if (!Array.isArray(values)) return false;
  const first = values.find((value) => value !== null && value !== undefined && value !== '');
  return typeof first === 'number';
}

/** A cell's text: '' for null, JSON for objects and lists, else the value's text. */
export function cellText(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function valueRank(value) {
  if (typeof value === 'number' || typeof value === 'boolean') return 0;
  if (typeof value === 'string') return 1;
  return 2;
}

/**
 * Compares two non-null cells: numbers (and booleans) numerically, before text; text
 * with a numeric-aware collation; anything else by its JSON text.
 */
export function compareCells(a, b) {
  const rankA = valueRank(a);
  const rankB = valueRank(b);
  if (rankA !== rankB) return rankA - rankB;
  if (rankA === 0) return Number(a) - Number(b);
  if (rankA === 1) return CELL_COLLATOR.compare(a, b);
  return CELL_COLLATOR.compare(cellText(a), cellText(b));
}

/**
 * The row indexes of a cohort's `data` in display order: sorted by column `key` ('asc' or
 * 'desc'), ties in data order, null cells last in both directions; data order when
 * `key` is null.
 */
export function sortedRowOrder(data, key, direction, count) {
  const order = Array.from({ length: count }, (_, i) => i);
  if (key === null || key === undefined) return order;
  const sign = direction === 'desc' ? -1 : 1;
  const values = order.map((i) => cellValue(data, key, i));
  return order.sort((i, j) => {
    const a = values[i];
    const b = values[j];
    const aNull = a === null || a === '';
    const bNull = b === null || b === '';
    if (aNull || bNull) return aNull === bNull ? 0 : aNull ? 1 : -1;
    return sign * compareCells(a, b);
  });
}

/**
 * A page of `total` rows: `{page, pages, start, end}` with `page` (1-based) clamped to
 * 1..pages and `end` exclusive; an empty table has one empty page.
 */
export function pageSlice(total, page, size) {
  const perPage = Math.max(1, Math.floor(size) || DEFAULT_ROWS_PER_PAGE);
  const pages = Math.max(1, Math.ceil(total / perPage));
  const current = Math.min(Math.max(1, Math.floor(page) || 1), pages);
  const start = (current - 1) * perPage;
  return { page: current, pages, start, end: Math.min(total, start + perPage) };
}

/** The page-size choices: the reference's, plus the table's own `rows_per_page`. */
export function pageSizeChoices(rowsPerPage) {
  const sizes = new Set(PAGE_SIZES);
  if (Number.isInteger(rowsPerPage) && rowsPerPage > 0) sizes.add(rowsPerPage);
  return [...sizes].sort((a, b) => a - b);
}

/** A table's initial page size: its `rows_per_page` when a positive integer, else 50. */
export function initialPageSize(rowsPerPage) {
  return Number.isInteger(rowsPerPage) && rowsPerPage > 0 ? rowsPerPage : DEFAULT_ROWS_PER_PAGE;
}

/** One CSV field: quoted (quotes doubled) when it holds a comma, quote, CR or LF. */
export function csvField(value) {
  const text = cellText(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The whole table as CSV (RFC 4180, CRLF line ends): the `columns`' headers, then the
 * cohort's rows in `order`.
 */
export function tableCsv(columns, data, order) {
  const lines = [columns.map((column) => csvField(column.header)).join(',')];
  for (const index of order) {
    lines.push(columns.map((column) => csvField(cellValue(data, column.key, index))).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
