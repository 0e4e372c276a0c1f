// 2.x inputs: what each input has picked, kept in the URL query (`input.<name>=<JSON>`,
// absent while it is the input's default), and which data an insight that reads inputs
// is drawn from. A state is a value (single-select), a list of values (multi-select, in
// the options' order) or `{start, end}` (a range); the same shapes the build names
// combinations by (`InputCombinations.key`). Pure: no DOM.

export const INPUT_QUERY_PREFIX = 'input.';

/** The query key of an input. */
export function inputQueryKey(name) {
  return INPUT_QUERY_PREFIX + name;
}

/** True when `input` is a range (a multi-select over `range {start, end, step}`). */
export function isRangeInput(input) {
  return Boolean(input?.range);
}

/** The text an option is shown as. */
export function optionText(value) {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function sameValue(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Whether `state` is one `input` can take: an option, options, or two steps in order. */
export function validState(input, state) {
  const options = input.options ?? [];
  const has = (v) => options.some((o) => sameValue(o, v));
  if (input.type === 'single-select') return has(state);
  if (isRangeInput(input)) {
    if (!state || typeof state !== 'object' || Array.isArray(state)) return false;
    const a = options.findIndex((o) => sameValue(o, state.start));
    const b = options.findIndex((o) => sameValue(o, state.end));
    return a >= 0 && b >= a;
  }
  return Array.isArray(state) && state.every(has);
}

/** `state` with a multi-select's values in option order (each once). */
export function normalizeState(input, state) {
  if (input.type !== 'multi-select' || isRangeInput(input) || !Array.isArray(state)) return state;
  return (input.options ?? []).filter((o) => state.some((v) => sameValue(o, v)));
}

/**
 * Every input's state: the URL's when it is valid, else the input's default.
 * `inputs`: the document's `inputs` (name -> {type, options, range, default}).
 */
export function inputStates(inputs, queryValueOf) {
  const states = {};
  for (const [name, input] of Object.entries(inputs ?? {})) {
    let state = input.default ?? null;
    const raw = queryValueOf(inputQueryKey(name));
    if (raw !== null && raw !== undefined) {
      try {
        const parsed = JSON.parse(raw);
        if (validState(input, parsed)) state = normalizeState(input, parsed);
      } catch {
        // Not JSON: the default stays.
      }
    }
    states[name] = state;
  }
  return states;
}

/** The query value that records `state`: null (the key removed) when it is the default. */
export function inputQueryValue(input, state) {
  const normalized = normalizeState(input, state);
  return sameValue(normalized, input.default ?? null) ? null : JSON.stringify(normalized);
}

/** A combination of the named inputs' states, as the build names it: `[[name, state], ...]` by name. */
export function combinationKey(names, states) {
  return JSON.stringify([...names].sort().map((name) => [name, states[name] ?? null]));
}

/** The combination an insight's data.json was built for: its inputs' defaults. */
export function defaultCombinationKey(names, inputs) {
  const defaults = {};
  for (const name of names) defaults[name] = inputs?.[name]?.default ?? null;
  return combinationKey(names, defaults);
}

/**
 * Where an insight's data for the current states comes from: `{kind: 'built'}` (its
 * data.json), `{kind: 'file', path}` (a dist's precomputed combination), `{kind:
 * 'server', key}` (asked of `visivo serve`) or `{kind: 'missing', key}` (a dist without
 * that combination). `entry` is the insight's record in the document.
 */
export function insightSource(entry, states, inputs, live) {
  const names = entry?.inputs ?? [];
  if (names.length === 0) return { kind: 'built' };
  const key = combinationKey(names, states);
  if (key === defaultCombinationKey(names, inputs)) return { kind: 'built', key };
  if (live) return { kind: 'server', key };
  for (const [written, path] of Object.entries(entry.variants ?? {})) {
    try {
      if (JSON.stringify(JSON.parse(written)) === key) return { kind: 'file', path, key };
    } catch {
      // A key the build did not write as JSON: skipped.
    }
  }
  return { kind: 'missing', key };
}

/** The `values` a server request sends for an insight: its inputs' states by name. */
export function requestValues(names, states) {
  const values = {};
  for (const name of names) values[name] = states[name] ?? null;
  return values;
}

/** The index of the step nearest `value` among numeric or ISO-date `options` (for sliders and date fields). */
export function nearestStep(options, value) {
  if (options.length === 0) return -1;
  const exact = options.findIndex((o) => sameValue(o, value));
  if (exact >= 0) return exact;
  const asNumber = (v) => (typeof v === 'number' ? v : Date.parse(v));
  const target = asNumber(value);
  let best = 0;
  for (let i = 1; i < options.length; i += 1) {
    if (Math.abs(asNumber(options[i]) - target) < Math.abs(asNumber(options[best]) - target)) best = i;
  }
  return best;
}
