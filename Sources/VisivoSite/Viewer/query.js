// Selector state in the URL query, as the reference keeps it: the key is the
// selector's name, the value a comma-separated list of the chosen options, or
// `NoCohorts` when none is chosen; an absent key means the default (every option of a
// multiple selector, the first of a single one). A selection equal to the default is
// removed from the query, so the plain address shows the default view. Option names
// containing commas cannot round-trip (as in the reference). Pure: no DOM.

export const NO_COHORTS = 'NoCohorts';

function decodeQueryPart(text) {
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

function encodeQueryPart(text) {
  return encodeURIComponent(text).replace(/%2C/gi, ',');
}

/** The `[key, value]` pairs of a query string (with or without its leading "?"). */
export function parseQuery(search) {
  const text = (search ?? '').replace(/^\?/, '');
  if (text === '') return [];
  return text
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      return eq < 0
        ? [decodeQueryPart(part), '']
        : [decodeQueryPart(part.slice(0, eq)), decodeQueryPart(part.slice(eq + 1))];
    });
}

/** The value of `key` in a query string, or null when absent (the first one wins). */
export function queryValue(search, key) {
  const pair = parseQuery(search).find(([name]) => name === key);
  return pair ? pair[1] : null;
}

/**
 * The query string with `key` set to `value` (replacing every earlier value, in the
 * first one's place, else appended), or removed when `value` is null. Returns "" or
 * "?...", commas kept readable.
 */
export function withQueryValue(search, key, value) {
  const pairs = [];
  let placed = false;
  for (const pair of parseQuery(search)) {
    if (pair[0] !== key) pairs.push(pair);
    else if (!placed && value !== null) {
      pairs.push([key, value]);
      placed = true;
    } else placed = true;
  }
  if (!placed && value !== null) pairs.push([key, value]);
  if (pairs.length === 0) return '';
  return '?' + pairs.map(([name, text]) => `${encodeQueryPart(name)}=${encodeQueryPart(text)}`).join('&');
}

/** The default choice of a selector: every option (multiple) or the first (single). */
export function defaultSelection(type, options) {
  if (type === 'single') return options.length > 0 ? [options[0]] : [];
  return [...options];
}

/**
 * The options chosen, in option order, given the raw query value (null when absent).
 * Values that are not options are ignored; a single selector whose value names no
 * option falls back to its default.
 */
export function selectionFromQuery(raw, type, options) {
  if (raw === null || raw === undefined) return defaultSelection(type, options);
  if (raw === NO_COHORTS) return [];
  const wanted = new Set(raw.split(','));
  const chosen = options.filter((option) => wanted.has(option));
  if (type === 'single') return chosen.length > 0 ? [chosen[0]] : defaultSelection(type, options);
  return chosen;
}

/**
 * The query value that records `chosen`: null when it is the default (the key is then
 * removed), `NoCohorts` for none, else the chosen options in option order, commas
 * between.
 */
export function selectionQueryValue(type, options, chosen) {
  const set = new Set(chosen);
  const ordered = options.filter((option) => set.has(option));
  const fallback = defaultSelection(type, options);
  if (ordered.length === fallback.length && ordered.every((option, i) => option === fallback[i])) {
    return null;
  }
  if (ordered.length === 0) return NO_COHORTS;
  return type === 'single' ? ordered[0] : ordered.join(',');
}
