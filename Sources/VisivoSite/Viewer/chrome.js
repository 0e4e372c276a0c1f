// The page around the dashboards: the top bar (logo / project / dashboard, the build
// time, a "building…" indicator for live reload) and notices (a titled message with
// links back) for pages that have nothing else to show.

import { h } from './dom.js';
import { projectHref } from './model.js';

/** "Built <local date and time>" for project.js's `builtAt`, or null. */
export function builtAtText(builtAt) {
  if (!builtAt) return null;
  const date = new Date(builtAt);
  return Number.isNaN(date.getTime()) ? null : `Built ${date.toLocaleString()}`;
}

/**
 * The top bar. `dashboardName` null: the project page (the project's name is then the
 * page's own title, not a link).
 */
export function topBar(base, project, dashboardName) {
  const projectName = project?.name || 'Project';
  const crumbs = [
    h('a', { className: 'vz-logo', href: projectHref(base), title: 'All dashboards', 'aria-label': 'All dashboards' }, 'V'),
    h('span', { className: 'vz-crumb-sep', 'aria-hidden': 'true' }, '/'),
  ];
  if (dashboardName === null) {
    crumbs.push(h('span', { className: 'vz-crumb vz-crumb--current' }, projectName));
  } else {
    crumbs.push(
      h('a', { className: 'vz-crumb vz-project-link', href: projectHref(base) }, projectName),
      h('span', { className: 'vz-crumb-sep', 'aria-hidden': 'true' }, '/'),
      h('span', { className: 'vz-crumb vz-crumb--current' }, dashboardName),
    );
  }
  return h(
    'header',
    { className: 'vz-topbar' },
    h('nav', { className: 'vz-crumbs', 'aria-label': 'Breadcrumb' }, crumbs),
    h(
      'div',
      { className: 'vz-topbar-end' },
      h('span', { id: 'vz-building', className: 'vz-building', hidden: true }, 'building…'),
      h('span', { className: 'vz-built-at' }, builtAtText(project?.builtAt) ?? ''),
    ),
  );
}

/** A notice: a title, paragraphs or nodes, and optional links (`[{href, text}]`). */
export function notice(title, body = [], links = []) {
  return h(
    'section',
    { className: 'vz-notice' },
    h('h2', {}, title),
    body.map((part) => (typeof part === 'string' ? h('p', {}, part) : part)),
    links.length > 0
      ? h('p', { className: 'vz-notice-links' }, links.map((link) => h('a', { href: link.href }, link.text)))
      : null,
  );
}
