// Title normalisation. Projects written for the reference (plotly.js 2) often say
// `layout.title: "Revenue"` or `xaxis: {title: "Month"}`; plotly.js 3 removed the
// conversion of such string titles (and of `titlefont`/`titleside`/`titleposition`) into
// `title: {text, font, side, position}`, so plotly.js 4 silently drops them. We convert
// them ourselves, at any depth, in layouts and in static trace props. Pure: no DOM.

const LEGACY_TITLE_KEYS = { titlefont: 'font', titleside: 'side', titleposition: 'position' };

/**
 * A deep copy of `value` (plain objects and arrays) with every string or number
 * `title` turned into `{text: title}` and the legacy `titlefont`, `titleside` and
 * `titleposition` keys moved into that `title` object (explicit `title.*` keys win).
 */
export function normalizeTitles(value) {
  if (Array.isArray(value)) return value.map(normalizeTitles);
  if (value === null || typeof value !== 'object') return value;
  const copy = {};
  for (const key of Object.keys(value)) {
    if (!(key in LEGACY_TITLE_KEYS)) copy[key] = normalizeTitles(value[key]);
  }
  if (typeof copy.title === 'string' || typeof copy.title === 'number') {
    copy.title = { text: copy.title };
  }
  for (const [legacy, modern] of Object.entries(LEGACY_TITLE_KEYS)) {
    if (!(legacy in value)) continue;
    const title = copy.title !== null && typeof copy.title === 'object' ? copy.title : {};
    if (!(modern in title)) title[modern] = normalizeTitles(value[legacy]);
    copy.title = title;
  }
  return copy;
}
