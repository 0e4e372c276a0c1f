// The project page: the project's dashboards, each a link (`a.vz-dashboard-link`) to
// its page, with its description and level when a 2.x project gives them; a project
// without dashboards says so and shows how to add one.

import { h } from './dom.js';
import { notice } from './chrome.js';
import { dashboardHref } from './model.js';

const DASHBOARD_EXAMPLE = `dashboards:
  - name: sales overview
    rows:
      - items:
          - markdown: "# Sales overview"
      - items:
          - chart: ref(revenue chart)`;

/** The project page's content for `project` at `base`. */
export function projectPage(base, project) {
  const dashboards = project.dashboards ?? [];
  if (dashboards.length === 0) {
    return h(
      'main',
      { className: 'vz-project' },
      notice('This project has no dashboards yet', [
        'A dashboard is a list of rows, each row a list of items: charts, tables, markdown and selectors. Add one to project.visivo.yml, for example:',
        h('pre', { className: 'vz-code' }, DASHBOARD_EXAMPLE),
        'then build again.',
      ]),
    );
  }
  const cards = dashboards.map((dashboard) => {
    const rows = dashboard.rows ?? [];
    const items = rows.reduce((count, row) => count + (row.items ?? []).length, 0);
    const level = dashboard.level === null || dashboard.level === undefined ? null : String(dashboard.level);
    return h(
      'li',
      {},
      h(
        'a',
        { className: 'vz-dashboard-link', href: dashboardHref(base, dashboard) },
        h('span', { className: 'vz-dashboard-name' }, dashboard.name),
        dashboard.description ? h('span', { className: 'vz-dashboard-description' }, dashboard.description) : null,
        h(
          'span',
          { className: 'vz-dashboard-meta' },
          level ? h('span', { className: 'vz-level' }, level) : null,
          `${rows.length} ${rows.length === 1 ? 'row' : 'rows'} · ${items} ${items === 1 ? 'item' : 'items'}`,
        ),
      ),
    );
  });
  return h(
    'main',
    { className: 'vz-project' },
    h('h1', { className: 'vz-page-title' }, 'Dashboards'),
    h('ul', { className: 'vz-dashboard-list' }, cards),
  );
}
