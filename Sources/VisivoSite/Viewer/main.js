// The viewer's entry point (concatenated last into assets/viewer.js). The page
// written by visivo sets `window.VISIVO_PAGE = {base, document, dashboard, live}` and
// loads plotly.min.js, the page's document (`window.VISIVO_PROJECT`: project.js on the
// project page, the dashboard's own dashboard.js on its page) and this script; we draw
// the project page (dashboard null) or one dashboard into #visivo, set
// `document.documentElement.dataset.visivoVersion` after every draw, and under
// `visivo serve` (live) follow the server's state events: overlay for build errors,
// the document and data reloaded and redrawn in place when the version changes.
//
// DOM hooks (stable: the browser tests rely on them)
//   div.vz-item[data-kind=chart|table|markdown|selector|empty][data-name=<chart, table or
//     selector name; else the item's name>]   every dashboard item
//   div.vz-row[data-name]                    a row (data-name when the row is named)
//   .vz-plot                                 a chart's plotly div (its .data is gd.data)
//   .vz-error                                a card's error box (names the trace)
//   .vz-empty                                the "No data" note
//   table.vz-table th[data-key=props.x]      table headers; click sorts, again reverses
//   button.vz-prev, button.vz-next, span.vz-page ("1 / 3"), select.vz-page-size,
//   button.vz-download                       table paging and CSV download
//   div.vz-selector[data-selector=<key>]     a selector widget: input[type=checkbox]
//     [value=<option>] (multiple) or a <select> of <option value=<option>> (single)
//   div.vz-input[data-input=<name>][data-display=<type>]   a 2.x input (inputview.js);
//     its controls' values are the options' JSON
//   div.vz-item[data-kind=rows]              an item holding nested rows
//   #vz-overlay pre.vz-diagnostic            live-reload build errors, one per error
//   a.vz-dashboard-link                      the project page's dashboard links
//   html[data-visivo-version]                the project version last drawn

import { h } from './dom.js';
import { topBar, notice } from './chrome.js';
import { findDashboard } from './model.js';
import { loadScript, loadDashboardData } from './loader.js';
import { DashboardView } from './dashboardview.js';
import { projectPage } from './projectpage.js';
import { connectLive, showDiagnostics, showBuilding } from './live.js';

/** The page's URL query, kept in memory and mirrored into the address bar. */
function pageSearch() {
  let current = window.location.search;
  return {
    get: () => current,
    set(query) {
      current = query;
      try {
        window.history.replaceState(window.history.state, '', `${window.location.pathname}${query}${window.location.hash}`);
      } catch (error) {
        console.warn('visivo: could not record the selection in the address', error);
      }
    },
  };
}

class Viewer {
  constructor(root, page) {
    this.root = root;
    this.base = typeof page.base === 'string' ? page.base : './';
    this.document = typeof page.document === 'string' ? page.document : `${this.base}project.js`;
    this.dashboardName = typeof page.dashboard === 'string' ? page.dashboard : null;
    this.live = page.live === true;
    this.project = null;
    this.header = null;
    this.building = false;
    this.busy = false;
    this.wantedVersion = null;
    this.triedVersion = null;
    this.dashboardView =
      this.dashboardName === null
        ? null
        : new DashboardView({ base: this.base, dashboardName: this.dashboardName, search: pageSearch(), live: this.live });
  }

  async start() {
    if (this.live) connectLive(this.base, (state) => this.onState(state));
    const project = window.VISIVO_PROJECT;
    if (!project) {
      this.setPage(topBar(this.base, null, this.dashboardName), h('main', {}, notice('The project did not load', [
        `${this.document} is missing or failed to run. Build the site again (visivo dist, or visivo serve).`,
      ])));
      if (!this.live) return;
    } else {
      this.busy = true;
      try {
        await this.draw(project);
      } finally {
        this.busy = false;
      }
    }
    this.pump();
  }

  /** Draws a project version: the project page or the dashboard, then records the version. */
  async draw(project) {
    const header = topBar(this.base, project, this.dashboardName);
    try {
      if (this.dashboardView && typeof Plotly === 'undefined') {
        this.setPage(header, h('main', {}, notice('plotly.js did not load', [
          `${this.base}assets/plotly.min.js is missing or failed to run, so charts cannot be drawn. Build the site again.`,
        ])));
      } else if (this.dashboardView) {
        const dashboard = findDashboard(project, this.dashboardName);
        const loaded = dashboard ? await loadDashboardData(this.base, project, dashboard) : new Map();
        // In the page before drawing: plotly sizes each plot from its card.
        this.setPage(header, this.dashboardView.element);
        this.dashboardView.show(project, loaded);
      } else {
        this.setPage(header, projectPage(this.base, project));
      }
    } catch (error) {
      console.error('visivo: drawing failed', error);
      this.setPage(header, h('main', {}, notice('This page could not be drawn', [String(error?.message ?? error)])));
    }
    this.project = project;
    document.documentElement.dataset.visivoVersion = project.version ?? '';
  }

  /** Puts the top bar and the content in the root, leaving a content already there in place. */
  setPage(header, content) {
    if (this.header && this.header !== header) this.header.replaceWith(header);
    else if (!this.header) this.root.prepend(header);
    this.header = header;
    showBuilding(this.building);
    for (const child of [...this.root.children]) if (child !== header && child !== content) child.remove();
    if (content.parentNode !== this.root) this.root.append(content);
  }

  onState(state) {
    showDiagnostics(state.errors);
    this.building = state.building === true;
    showBuilding(this.building);
    if (typeof state.version === 'string' && state.version !== this.project?.version) {
      this.wantedVersion = state.version;
      this.pump();
    }
  }

  /** Reloads the page's document and redraws until the drawn version is the one the server announced. */
  async pump() {
    if (this.busy) return;
    this.busy = true;
    try {
      while (
        this.wantedVersion !== null &&
        this.wantedVersion !== this.project?.version &&
        this.wantedVersion !== this.triedVersion
      ) {
        const version = this.wantedVersion;
        this.triedVersion = version;
        try {
          await loadScript(`${this.document}?v=${encodeURIComponent(version)}`);
        } catch (error) {
          // A dashboard renamed or removed has no document any more: the project's says
          // so (the page then shows that there is no such dashboard).
          const fallback = `${this.base}project.js`;
          try {
            if (this.document === fallback) throw error;
            await loadScript(`${fallback}?v=${encodeURIComponent(version)}`);
          } catch (again) {
            console.error('visivo: could not reload the project', again);
            continue;
          }
        }
        if (window.VISIVO_PROJECT) await this.draw(window.VISIVO_PROJECT);
      }
    } finally {
      this.busy = false;
    }
  }
}

function startViewer() {
  let root = document.getElementById('visivo');
  if (!root) {
    root = document.createElement('div');
    root.id = 'visivo';
    document.body.append(root);
  }
  new Viewer(root, window.VISIVO_PAGE ?? {}).start();
}

if (typeof document !== 'undefined') {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', startViewer);
  else startViewer();
}
