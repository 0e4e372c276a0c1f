// Plotly traces from trace data, by the reference's rules: one plotly trace per
// cohort, for each of a chart's traces in order and each cohort in the data file's
// order; each is the static props (column() references resolved, titles normalised),
// then the cohort's `props.*` columns written at their dotted paths, then
// `name: <cohort>`. Data arrays are used as they are, never copied. Pure: no DOM.

import { setDotted, cohortColumns } from './dotted.js';
import { resolveColumnRefs } from './columnrefs.js';
import { normalizeTitles } from './titles.js';

/**
 * The plotly trace of one cohort: static `props` merged with the cohort's data. An
 * insight's `slices` (props key -> `[i]` or `[a:b]`, from `?{ ... }[0]`) take one
 * element or a part of that prop's values.
 */
export function cohortTrace(props, cohort, cohortName, slices = null) {
  const trace = resolveColumnRefs(normalizeTitles(props ?? {}), cohortColumns(cohort));
  for (const key of Object.keys(cohort)) {
    if (key.startsWith('props.')) setDotted(trace, key.slice('props.'.length), sliceValues(cohort[key], slices?.[key]));
  }
  trace.name = cohortName;
  return trace;
}

/** `values` sliced by `[i]` (one element; negative from the end) or `[a:b]` (Python's rules). */
export function sliceValues(values, slice) {
  const match = typeof slice === 'string' && Array.isArray(values) ? /^\[(-?\d*)(:?)(-?\d*)\]$/.exec(slice) : null;
  if (!match) return values;
  const n = values.length;
  const index = (text, fallback) => {
    if (text === '') return fallback;
    const i = Number(text);
    return i < 0 ? Math.max(0, n + i) : Math.min(n, i);
  };
  if (match[2] === '') {
    const i = Number(match[1]);
    return values[i < 0 ? n + i : i] ?? null;
  }
  return values.slice(index(match[1], 0), index(match[3], n));
}

/**
 * Why a trace has no data to draw, as a sentence naming it, or null when it has.
 * `entry` is the trace's record in project.js (undefined when absent), `loaded` what
 * loading its data file gave: `{data}` or `{error}` (undefined when not loaded).
 */
export function traceProblem(traceName, entry, loaded) {
  const name = `“${traceName}”`;
  if (!entry) return `Trace ${name} is not in the project.`;
  switch (entry.status) {
    case 'failed':
      return `Trace ${name} failed: ${entry.message || 'no message given'}`;
    case 'skipped':
      return `Trace ${name} was skipped: ${entry.message || 'something it needs failed'}`;
    case 'missing':
      return `Trace ${name} has not been built yet.`;
    default:
      break;
  }
  if (!entry.data) return `Trace ${name} names no data file.`;
  if (!loaded) return `Trace ${name}: its data was not loaded.`;
  if (loaded.error) return `Trace ${name}: ${loaded.error}`;
  return null;
}

/**
 * The cohorts of the named traces, in order: `[{trace, cohort, columns}]` where
 * `columns` is the cohort's flat object of arrays. `dataOf(traceName)` gives the
 * trace's data object or null; traces without data contribute nothing.
 */
export function traceCohorts(traceNames, dataOf) {
  const cohorts = [];
  for (const trace of traceNames) {
    const data = dataOf(trace);
    if (!data) continue;
    for (const cohort of Object.keys(data)) cohorts.push({ trace, cohort, columns: data[cohort] });
  }
  return cohorts;
}

/** The distinct cohort names of `cohorts` (from traceCohorts), first appearance first. */
export function cohortNames(cohorts) {
  return [...new Set(cohorts.map((entry) => entry.cohort))];
}

/**
 * The data of the named traces that can be drawn, and a problem (see traceProblem)
 * for each of the others: `{data: Map(trace name -> data object), errors: [message]}`.
 */
export function drawableTraceData(traceNames, traceEntries, loadedOf) {
  const errors = [];
  const data = new Map();
  for (const name of traceNames) {
    const loaded = loadedOf(name);
    const problem = traceProblem(name, traceEntries[name], loaded);
    if (problem) errors.push(problem);
    else data.set(name, loaded.data);
  }
  return { data, errors };
}

/**
 * A chart's plotly traces and problems.
 * - `traceNames`: the chart's traces, in order;
 * - `traceEntries`: the document's `traces` (name -> {props, data, version, status, message});
 * - `loadedOf(traceName)`: `{data}` / `{error}` / undefined, as in traceProblem;
 * - `keep(trace, cohort)`: whether a cohort is selected (null keeps every cohort).
 * Returns `{traces, errors: [message], cohortCount}`, `cohortCount` counting the
 * cohorts in the data before selection (0: the chart has no data at all).
 */
export function chartTraces(traceNames, traceEntries, loadedOf, keep = null) {
  const { data, errors } = drawableTraceData(traceNames, traceEntries, loadedOf);
  const cohorts = traceCohorts(traceNames, (name) => data.get(name) ?? null);
  const traces = cohorts
    .filter((entry) => !keep || keep(entry.trace, entry.cohort))
    .map((entry) => cohortTrace(traceEntries[entry.trace].props, entry.columns, entry.cohort, traceEntries[entry.trace].slices));
  return { traces, errors, cohortCount: cohorts.length };
}

/**
 * What a chart is drawn from, to tell whether a redraw would draw the same: the
 * document's parts as text, and the loaded data by identity (a data file whose version
 * did not change is the very object loaded before).
 */
export function drawingInputs(chart, traceEntries, loadedOf, selection) {
  const names = chart?.traces ?? [];
  return {
    text: JSON.stringify([chart ?? null, names.map((name) => traceEntries?.[name] ?? null), selection ?? null]),
    loaded: names.map((name) => loadedOf(name)),
  };
}

/** True when two `drawingInputs` are the same. */
export function sameDrawingInputs(a, b) {
  return Boolean(a && b) && a.text === b.text && a.loaded.length === b.loaded.length && a.loaded.every((x, i) => x === b.loaded[i]);
}
