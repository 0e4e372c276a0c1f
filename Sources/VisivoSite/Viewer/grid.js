// The dashboard grid: a row is a CSS grid of sum(widths) equal columns, each item
// spanning its width; a row's height is a named size or a number of pixels, and
// `compact` rows are as tall as their content. (Stacking under 1024 px of window width
// is viewer.css's media query.) Pure: no DOM.

export const ROW_HEIGHTS = {
  xsmall: 128,
  small: 256,
  medium: 396,
  large: 512,
  xlarge: 768,
  xxlarge: 1024,
};

const DEFAULT_ROW_HEIGHT = 'medium';

/**
 * A row's height in px, or null for `compact`. Accepts the names above, an integer
 * (or integer text) of px for 2.x projects; anything else is the default (medium).
 */
export function rowHeightPx(height) {
  if (height === 'compact') return null;
  if (typeof height === 'string' && Object.prototype.hasOwnProperty.call(ROW_HEIGHTS, height)) {
    return ROW_HEIGHTS[height];
  }
  const px = typeof height === 'string' && /^\d+$/.test(height) ? Number(height) : height;
  return Number.isInteger(px) && px > 0 ? px : ROW_HEIGHTS[DEFAULT_ROW_HEIGHT];
}

/** An item's column span: its `width` when an integer >= 1, else 1. */
export function itemSpan(item) {
  const width = item?.width;
  return Number.isInteger(width) && width >= 1 ? width : 1;
}

/**
 * The grid of a row's items: `{columns, spans, heightPx}`. Only the items whose
 * `visible[i]` is not false count (hidden items leave no gap); `columns` is at least 1.
 */
export function rowGrid(row, visible = []) {
  const spans = (row?.items ?? []).map(itemSpan);
  const columns = spans.reduce((sum, span, i) => (visible[i] === false ? sum : sum + span), 0);
  return { columns: Math.max(columns, 1), spans, heightPx: rowHeightPx(row?.height) };
}
