// A 2.x table's pivot: the generated trace's rows (one per group of `rows` and
// `columns` values, each with its aggregated `values`) turned into one row per `rows`
// group and one column per `columns` value (and value, when there are several), in
// the order they first appear; a cell no group filled is empty. Pure: no DOM.

import { columnHeader, cellText } from './tabledata.js';

/**
 * `{data, columns}` for a table whose `pivot` is `{rows, columns, values}` (keys of the
 * cohort's flat `data`): `data` the pivoted flat columns, `columns` `[{key, header}]`.
 * Without values, or without columns, the data is shown as it is.
 */
export function pivotTable(pivot, data) {
  const rowKeys = pivot?.rows ?? [];
  const columnKeys = pivot?.columns ?? [];
  const valueKeys = pivot?.values ?? [];
  const plain = Object.keys(data ?? {}).map((key) => ({ key, header: columnHeader(key) }));
  if (valueKeys.length === 0 || columnKeys.length === 0) return { data, columns: plain };
  const count = Math.max(0, ...Object.values(data).map((values) => (Array.isArray(values) ? values.length : 0)));
  const cell = (key, i) => (Array.isArray(data[key]) && data[key][i] !== undefined ? data[key][i] : null);
  const rowIndex = new Map();
  const rowOrder = [];
  const groupIndex = new Map();
  const groups = [];
  const filled = new Map();
  for (let i = 0; i < count; i += 1) {
    const rowId = JSON.stringify(rowKeys.map((key) => cell(key, i)));
    if (!rowIndex.has(rowId)) {
      rowIndex.set(rowId, rowOrder.length);
      rowOrder.push(i);
    }
    const groupValues = columnKeys.map((key) => cell(key, i));
    const groupId = JSON.stringify(groupValues);
    if (!groupIndex.has(groupId)) {
      groupIndex.set(groupId, groups.length);
      groups.push(groupValues.map(cellText).join(' · '));
    }
    for (let v = 0; v < valueKeys.length; v += 1) {
      filled.set(`${rowIndex.get(rowId)}\u0000${groupIndex.get(groupId)}\u0000${v}`, cell(valueKeys[v], i));
    }
  }
  const out = {};
  const columns = [];
  for (const key of rowKeys) {
    out[key] = rowOrder.map((i) => cell(key, i));
    columns.push({ key, header: columnHeader(key) });
  }
  groups.forEach((group, g) => {
    valueKeys.forEach((valueKey, v) => {
      const key = `pivot.${g}.${v}`;
      out[key] = rowOrder.map((_, r) => {
        const value = filled.get(`${r}\u0000${g}\u0000${v}`);
        return value === undefined ? null : value;
      });
      columns.push({ key, header: valueKeys.length === 1 ? group : `${group} ${columnHeader(valueKey)}` });
    });
  });
  return { data: out, columns };
}
