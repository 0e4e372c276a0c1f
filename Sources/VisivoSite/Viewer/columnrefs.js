// column() references: inside a trace's static props, the string `column(c)` stands
// for the cohort's `columns.c` array, `column(c)[i]` for one element (negative from
// the end) and `column(c)[a:b]`, `[a:]`, `[:b]` for a slice, as in the reference viewer
// (its regex: column\((.+)\)(\[(-?\d*):?(-?\d*)\]|) ). Ours is anchored, so a longer
// text that merely mentions column(...) stays text. Pure: no DOM.

const COLUMN_REF = /^\s*column\((.+)\)(?:\[(-?\d*)(:?)(-?\d*)\])?\s*$/;

/**
 * Parses a column reference: `{column, index}` for `column(c)[i]`,
 * `{column, start, end}` for a slice (`end` null when open), `{column}` for the whole
 * column; null when `text` is no column reference.
 */
export function parseColumnRef(text) {
  const match = COLUMN_REF.exec(text);
  if (!match) return null;
  const [, column, start, colon, end] = match;
  if (start === undefined) return { column };
  if (colon === ':') {
    return {
      column,
      start: start === '' ? 0 : parseInt(start, 10),
      end: end === '' ? null : parseInt(end, 10),
    };
  }
  // `[i]` (and, as in the reference, `[]` meaning the first element).
  return { column, index: start === '' ? 0 : parseInt(start, 10) };
}

/**
 * The value a parsed reference stands for in `columns` (name -> array); undefined
 * when the column is absent. A whole column is the array itself, not a copy.
 */
export function columnRefValue(ref, columns) {
  const values = Object.prototype.hasOwnProperty.call(columns, ref.column)
    ? columns[ref.column]
    : undefined;
  if (!Array.isArray(values)) return undefined;
  if (ref.index !== undefined) return values.slice(ref.index)[0];
  if (ref.start !== undefined) {
    return ref.end === null ? values.slice(ref.start) : values.slice(ref.start, ref.end);
  }
  return values;
}

/**
 * A deep copy of `value` (plain objects and arrays) in which every column reference
 * string is replaced by what it stands for; references to absent columns are dropped
 * from objects (and left undefined in lists).
 */
export function resolveColumnRefs(value, columns) {
  if (typeof value === 'string') {
    const ref = parseColumnRef(value);
    return ref ? columnRefValue(ref, columns) : value;
  }
  if (Array.isArray(value)) return value.map((element) => resolveColumnRefs(element, columns));
  if (value !== null && typeof value === 'object') {
    const copy = {};
    for (const key of Object.keys(value)) {
      const resolved = resolveColumnRefs(value[key], columns);
      if (resolved !== undefined) copy[key] = resolved;
    }
    return copy;
  }
  return value;
}
