// Dotted keys: a data file names each column by its path in the plotly trace
// ("props.marker.color", "props.customdata.0"); setDotted writes such a path into a
// nested object, creating a list where the next segment is a list index.
// Pure: no DOM.

const LIST_INDEX = /^(0|[1-9]\d*)$/;
const UNSAFE_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Writes `value` at the dotted `path` inside `target` (mutating it) and returns
 * `target`. Missing containers are created: an array when the following segment is a
 * list index, else a plain object. A non-container found on the way (a static
 * `query(...)` string, say) is replaced by a container. Paths through
 * `__proto__`/`constructor`/`prototype` are ignored.
 */
export function setDotted(target, path, value) {
  const segments = path.split('.');
  if (segments.some((segment) => UNSAFE_SEGMENTS.has(segment))) return target;
  let node = target;
  for (let i = 0; i < segments.length - 1; i++) {
    const segment = segments[i];
    let child = node[segment];
    if (child === null || typeof child !== 'object') {
      child = LIST_INDEX.test(segments[i + 1]) ? [] : {};
      node[segment] = child;
    }
    node = child;
  }
  node[segments[segments.length - 1]] = value;
  return target;
}

/** A cohort's `columns.<name>` arrays by name (the part after "columns."). */
export function cohortColumns(cohort) {
  const columns = {};
  for (const key of Object.keys(cohort)) {
    if (key.startsWith('columns.')) columns[key.slice('columns.'.length)] = cohort[key];
  }
  return columns;
}
