// What each selector on a dashboard offers and what its choice does.
// - Declared selectors: those placed as items, and those named by the dashboard's
//   charts and tables. Their options are the project's, or, when it lists none, the
//   cohort names of this dashboard's charts and tables that use the selector.
// - Automatic selectors (the 1.x reference offers them too): a chart without a selector
//   but with more than one cohort of 1.x traces gets a multiple selector `<chart>
//   Selector` (a chart of 2.x insights has its legend and the project's inputs); a table
//   with more than one cohort gets a single one, `<table> Selector`.
// - Options that are the names of this dashboard's rows or items show and hide them;
//   the others choose cohorts, by cohort name or by trace name (a trace without
//   cohort_on has one cohort named after it, so either way trace names choose traces).
// Pure: no DOM.

import { cohortNames } from './traces.js';

/** The key (URL query name) of a chart's or table's automatic selector. */
export function autoSelectorKey(ownerName) {
  return `${ownerName} Selector`;
}

/** The names of a dashboard's rows and items (null names left out). */
export function dashboardItemNames(dashboard) {
  const names = new Set();
  for (const row of dashboard?.rows ?? []) {
    if (row.name) names.add(row.name);
    for (const item of row.items ?? []) if (item.name) names.add(item.name);
  }
  return names;
}

/**
 * Every selector a dashboard uses, as a Map from key to
 * `{key, type, options, automatic, placed}` in first-use order. `cohortsOf(kind, name)`
 * gives a chart's or table's cohorts (`[{trace, cohort}]`, see traceCohorts);
 * `placed` tells whether a selector item shows the selector on this dashboard.
 */
export function dashboardSelectors(project, dashboard, cohortsOf) {
  const selectors = new Map();
  const owners = new Map();
  const declare = (key) => {
    if (!selectors.has(key)) {
      const declared = project.selectors?.[key];
      selectors.set(key, {
        key,
        type: declared?.type === 'single' ? 'single' : 'multiple',
        options: [...(declared?.options ?? [])],
        automatic: false,
        placed: false,
      });
      owners.set(key, []);
    }
    return selectors.get(key);
  };
  for (const row of dashboard?.rows ?? []) {
    for (const item of row.items ?? []) {
      if (item.selector) declare(item.selector).placed = true;
      for (const kind of ['chart', 'table']) {
        if (!item[kind]) continue;
        const owner = (kind === 'chart' ? project.charts : project.tables)?.[item[kind]];
        if (!owner) continue;
        const names = cohortNames(cohortsOf(kind, item[kind]));
        if (owner.selector) {
          declare(owner.selector);
          owners.get(owner.selector).push(...names);
        } else if (
          names.length > 1 &&
          !selectors.has(autoSelectorKey(item[kind])) &&
          (kind === 'table' || (owner.traces ?? []).some((trace) => !project.traces?.[trace]?.insight))
        ) {
          selectors.set(autoSelectorKey(item[kind]), {
            key: autoSelectorKey(item[kind]),
            type: kind === 'chart' ? 'multiple' : 'single',
            options: names,
            automatic: true,
            placed: false,
          });
        }
      }
    }
  }
  for (const [key, names] of owners) {
    const selector = selectors.get(key);
    if (selector.options.length === 0) selector.options = [...new Set(names)];
  }
  return selectors;
}

/**
 * The row and item names hidden by the selectors' choices: an option naming a row or
 * item hides it while not chosen. `chosenOf(key)` gives a selector's chosen options.
 */
export function hiddenItemNames(selectors, chosenOf, itemNames) {
  const hidden = new Set();
  for (const selector of selectors.values()) {
    const chosen = new Set(chosenOf(selector.key));
    for (const option of selector.options) {
      if (itemNames.has(option) && !chosen.has(option)) hidden.add(option);
    }
  }
  return hidden;
}

/**
 * The cohort filter of a selector: `(trace, cohort) => boolean`, true when the cohort's
 * name or its trace's name is chosen; null (keep every cohort) when there is no
 * selector or when all its options are row/item names.
 */
export function cohortFilter(selector, chosen, itemNames) {
  if (!selector || selector.options.every((option) => itemNames.has(option))) return null;
  const set = new Set(chosen);
  return (trace, cohort) => set.has(cohort) || set.has(trace);
}

/** The one cohort a table shows: the first that `keep` accepts (any when null), or null. */
export function tableCohort(cohorts, keep) {
  return cohorts.find((entry) => !keep || keep(entry.trace, entry.cohort)) ?? null;
}
