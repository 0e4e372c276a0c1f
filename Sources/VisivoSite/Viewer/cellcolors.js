// A 2.x table's `format_cells {scope, min_color, max_color}`: each numeric cell shaded
// between the two colours by where its value lies between the smallest and largest
// values of its table, row or column (`scope`). Pure: no DOM.

/** `#rgb` or `#rrggbb` as [r, g, b], else null. */
export function parseHexColor(text) {
  const match = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(text ?? '').trim());
  if (!match) return null;
  const hex = match[1].length === 3 ? [...match[1]].map((c) => c + c).join('') : match[1];
  return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

/**
 * `(key, index) => css colour | null` for the flat `data` (key -> values) of a table
 * whose numeric columns are `keys`, or null when `formatCells` cannot shade (unknown
 * colours). Cells that are not numbers are left alone.
 */
export function cellShade(formatCells, data, keys, count) {
  const low = parseHexColor(formatCells?.min_color);
  const high = parseHexColor(formatCells?.max_color);
  if (!low || !high || keys.length === 0) return null;
  const scope = formatCells.scope === 'row' || formatCells.scope === 'column' ? formatCells.scope : 'table';
  const value = (key, i) => {
    const v = data?.[key]?.[i];
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  };
  const span = (values) => {
    const numbers = values.filter((v) => v !== null);
    return numbers.length === 0 ? null : [Math.min(...numbers), Math.max(...numbers)];
  };
  const all = [];
  for (const key of keys) for (let i = 0; i < count; i += 1) all.push(value(key, i));
  const tableSpan = span(all);
  const columnSpans = new Map(keys.map((key) => [key, span(Array.from({ length: count }, (_, i) => value(key, i)))]));
  const rowSpans = Array.from({ length: count }, (_, i) => span(keys.map((key) => value(key, i))));
  const keySet = new Set(keys);
  return (key, i) => {
    if (!keySet.has(key)) return null;
    const v = value(key, i);
    const bounds = scope === 'row' ? rowSpans[i] : scope === 'column' ? columnSpans.get(key) : tableSpan;
    if (v === null || !bounds) return null;
    const t = bounds[1] === bounds[0] ? 0 : (v - bounds[0]) / (bounds[1] - bounds[0]);
    const mix = low.map((c, n) => Math.round(c + (high[n] - c) * t));
    return `rgb(${mix[0]}, ${mix[1]}, ${mix[2]})`;
  };
}
