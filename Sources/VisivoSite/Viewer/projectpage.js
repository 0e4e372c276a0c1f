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
  const card = (dashboard) => {
    const rows = dashboard.rows ?? [];
    const items = rows.reduce((count, row) => count + (row.items ?? []).length, 0);
    // Only web addresses link out: a `javascript:` address would run when clicked.
    const external = typeof dashboard.href === 'string' && /^https?:\/\//i.test(dashboard.href);
    return h(
      'li',
      {},
      h(
        'a',
        {
          className: `vz-dashboard-link${external ? ' vz-dashboard-link--external' : ''}`,
          href: external ? dashboard.href : dashboardHref(base, dashboard),
          rel: external ? 'noopener' : null,
        },
        h('span', { className: 'vz-dashboard-name' }, dashboard.name),
        dashboard.description ? h('span', { className: 'vz-dashboard-description' }, dashboard.description) : null,
        h(
          'span',
          { className: 'vz-dashboard-meta' },
          (dashboard.tags ?? []).map((tag) => h('span', { className: 'vz-tag' }, tag)),
          external ? 'external' : `${rows.length} ${rows.length === 1 ? 'row' : 'rows'} · ${items} ${items === 1 ? 'item' : 'items'}`,
        ),
      ),
    );
  };
  const sections = dashboardLevels(dashboards, project.levels ?? []).map((section) =>
    h(
      'section',
      { className: 'vz-level-section', dataset: { level: section.key } },
      section.title ? h('h2', { className: 'vz-level-title' }, section.title) : null,
      section.description ? h('p', { className: 'vz-level-description' }, section.description) : null,
      h('ul', { className: 'vz-dashboard-list' }, section.dashboards.map(card)),
    ),
  );
  return h('main', { className: 'vz-project' }, h('h1', { className: 'vz-page-title' }, 'Dashboards'), sections);
}

/**
 * Dashboards grouped by level (2.x): `levels` (defaults.levels) in order, a dashboard's
 * `level` naming one by index or by title; dashboards without a level come last, in
 * one untitled group. Returns `[{key, title, description, dashboards}]`, empty groups left out.
 */
export function dashboardLevels(dashboards, levels) {
  const groups = levels.map((level, i) => ({ key: String(i), title: level.title, description: level.description, dashboards: [] }));
  const other = new Map();
  const rest = { key: 'none', title: null, description: null, dashboards: [] };
  for (const dashboard of dashboards) {
    const level = dashboard.level;
    let group = null;
    if (Number.isInteger(level)) group = groups[level] ?? null;
    else if (typeof level === 'string') group = groups.find((g) => g.title.toLowerCase() === level.toLowerCase()) ?? null;
    if (!group && level !== null && level !== undefined) {
      const key = String(level);
      if (!other.has(key)) other.set(key, { key, title: levels.length > 0 ? `Level ${key}` : null, description: null, dashboards: [] });
      group = other.get(key);
    }
    (group ?? rest).dashboards.push(dashboard);
  }
  return [...groups, ...other.values(), rest].filter((group) => group.dashboards.length > 0);
}
