// Live reload under `visivo serve`: the server's `state` events (EventSource at
// `<base>_visivo/events`), the overlay that shows build errors over the last good
// drawing (`#vz-overlay`, one `pre.vz-diagnostic` per error, as given), and the
// "building…" indicator.

import { h } from './dom.js';

/**
 * Listens to the server's state events; `onState({version, errors, building})` is
 * called for each well-formed one. The stream is open only while the tab is visible:
 * browsers allow about six connections to one host, and every open tab would hold one.
 * A tab that becomes visible again reconnects and hears the latest state at once.
 */
export function connectLive(base, onState) {
  let source = null;
  const open = () => {
    if (source) return;
    source = new EventSource(`${base}_visivo/events`);
    source.addEventListener('state', (event) => {
      let state;
      try {
        state = JSON.parse(event.data);
      } catch {
        return;
      }
      if (state && typeof state === 'object') onState(state);
    });
  };
  const close = () => {
    source?.close();
    source = null;
  };
  document.addEventListener('visibilitychange', () => (document.hidden ? close() : open()));
  window.addEventListener('pagehide', close);
  window.addEventListener('pageshow', () => {
    if (!document.hidden) open();
  });
  if (!document.hidden) open();
}

let dismissedErrors = null;

/**
 * Shows `errors` (diagnostic lines) in the overlay, or removes it when there are none.
 * "Hide" keeps it away until the errors change.
 */
export function showDiagnostics(errors) {
  const list = Array.isArray(errors) ? errors.map(String) : [];
  const existing = document.getElementById('vz-overlay');
  const signature = JSON.stringify(list);
  if (list.length === 0 || signature === dismissedErrors) {
    existing?.remove();
    if (list.length === 0) dismissedErrors = null;
    return;
  }
  if (existing?.dataset.signature === signature) return;
  const count = list.length === 1 ? '1 error' : `${list.length} errors`;
  const overlay = h(
    'div',
    { id: 'vz-overlay', role: 'alertdialog', 'aria-modal': 'false', 'aria-labelledby': 'vz-overlay-title', dataset: { signature } },
    h(
      'div',
      { className: 'vz-overlay-panel' },
      h(
        'div',
        { className: 'vz-overlay-head' },
        h('h2', { id: 'vz-overlay-title' }, `Build failed: ${count}`),
        h('button', {
          type: 'button',
          className: 'vz-overlay-hide',
          on: {
            click: () => {
              dismissedErrors = signature;
              overlay.remove();
            },
          },
        }, 'Hide'),
      ),
      h('div', { className: 'vz-overlay-body' }, list.map(diagnosticLine)),
      h('p', { className: 'vz-overlay-foot' }, 'The page shows the last good build. Fix the project and save: it updates by itself.'),
    ),
  );
  if (existing) existing.replaceWith(overlay);
  else document.body.append(overlay);
}

/** One diagnostic, its `file:line:column:` location and severity picked out (text unchanged). */
function diagnosticLine(text) {
  const match = /^(.*?:\d+:\d+:)(\s*)(error|warning|note)?(:?)([\s\S]*)$/.exec(text);
  if (!match) return h('pre', { className: 'vz-diagnostic' }, text);
  const [, location, space, severity, colon, rest] = match;
  return h(
    'pre',
    { className: 'vz-diagnostic' },
    h('span', { className: 'vz-diag-location' }, location),
    space,
    severity ? h('span', { className: `vz-diag-${severity}` }, severity + colon) : colon,
    rest,
  );
}

/** Shows or hides the "building…" indicator of the top bar. */
export function showBuilding(building) {
  const indicator = document.getElementById('vz-building');
  if (indicator) indicator.hidden = !building;
}
