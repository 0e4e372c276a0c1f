// What we hand plotly besides traces: the chart's layout as written (titles normalised
// for plotly.js 4) over a few card-friendly defaults, and the plot config (responsive,
// no plotly logo, no "Share chart" button (it posts to a server), a small mode bar that
// keeps "download as PNG"). Pure: no DOM.

import { normalizeTitles } from './titles.js';

export const FONT_STACK =
  'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

const REMOVED_MODE_BAR_BUTTONS = [
  'select2d',
  'lasso2d',
  'zoomIn2d',
  'zoomOut2d',
  'autoScale2d',
  'toggleSpikelines',
  'hoverClosestCartesian',
  'hoverCompareCartesian',
  'hoverClosestPie',
  'toggleHover',
];

/** A name usable as a download's file name (without extension). */
export function fileSafeName(name) {
  const safe = String(name ?? '').replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '-').trim();
  return safe || 'chart';
}

/**
 * The plotly layout of a chart: its `layout` (absent or null: none) with titles
 * normalised, over defaults: autosize, margins that leave room for a title only when
 * there is one, the page's font. Keys the chart sets win, margin keys one by one.
 */
export function chartLayout(layout) {
  const own = normalizeTitles(layout ?? {});
  const hasTitle = Boolean(own.title && own.title.text !== undefined && own.title.text !== '');
  return {
    ...own,
    autosize: own.autosize ?? true,
    margin: { l: 56, r: 24, t: hasTitle ? 56 : 24, b: 48, pad: 0, ...(own.margin ?? {}) },
    font: { family: FONT_STACK, ...(own.font ?? {}) },
  };
}

/** The plotly config of a chart's plot. */
export function plotConfig(chartName) {
  return {
    responsive: true,
    displaylogo: false,
    showSendToCloud: false,
    modeBarButtonsToRemove: REMOVED_MODE_BAR_BUTTONS,
    toImageButtonOptions: { filename: fileSafeName(chartName), scale: 2 },
  };
}
