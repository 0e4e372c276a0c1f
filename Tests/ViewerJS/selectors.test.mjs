// Selectors on a dashboard (selectors.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  autoSelectorKey,
  dashboardItemNames,
  dashboardSelectors,
  hiddenItemNames,
  cohortFilter,
  tableCohort,
} from '../../Sources/VisivoSite/Viewer/selectors.js';

const project = {
  charts: {
    'region chart': { traces: ['by region'], selector: 'region' },
    'multi chart': { traces: ['by region', 'single'], selector: null },
    'one chart': { traces: ['single'], selector: null },
    'panel chart': { traces: ['single'], selector: 'panels' },
  },
  tables: {
    'region table': { traces: ['by region'], selector: null },
    'picked table': { traces: ['by region'], selector: 'region' },
  },
  selectors: {
    region: { type: 'multiple', options: [] },
    panels: { type: 'single', options: ['detail row', 'summary item'] },
  },
};
const cohorts = {
  'by region': [{ trace: 'by region', cohort: 'east' }, { trace: 'by region', cohort: 'west' }],
  single: [{ trace: 'single', cohort: 'single' }],
};
const cohortsOf = (kind, name) =>
  ((kind === 'chart' ? project.charts : project.tables)[name]?.traces ?? []).flatMap((t) => cohorts[t]);

const dashboard = {
  rows: [
    { name: null, items: [{ selector: 'panels' }, { name: 'summary item', markdown: 'hi' }] },
    {
      name: 'detail row',
      items: [
        { chart: 'region chart' },
        { chart: 'multi chart' },
        { chart: 'one chart' },
        { table: 'region table' },
        { table: 'picked table' },
        { chart: 'panel chart' },
      ],
    },
  ],
};

test('item names are row and item names', () => {
  assert.deepEqual([...dashboardItemNames(dashboard)], ['summary item', 'detail row']);
});

test('declared, derived and automatic selectors', () => {
  const selectors = dashboardSelectors(project, dashboard, cohortsOf);
  assert.deepEqual([...selectors.keys()], [
    'panels', 'region', 'multi chart Selector', 'region table Selector',
  ]);
  assert.deepEqual(selectors.get('panels'), {
    key: 'panels', type: 'single', options: ['detail row', 'summary item'], automatic: false, placed: true,
  });
  assert.deepEqual(selectors.get('region'), {
    key: 'region', type: 'multiple', options: ['east', 'west'], automatic: false, placed: false,
  });
  assert.deepEqual(selectors.get('multi chart Selector'), {
    key: 'multi chart Selector', type: 'multiple', options: ['east', 'west', 'single'], automatic: true, placed: false,
  });
  assert.equal(selectors.get('region table Selector').type, 'single');
  assert.equal(autoSelectorKey('x'), 'x Selector');
});

test('an undeclared selector name still gets a multiple selector', () => {
  const selectors = dashboardSelectors({ charts: {}, tables: {}, selectors: {} }, { rows: [{ items: [{ selector: 's' }] }] }, () => []);
  assert.deepEqual(selectors.get('s'), { key: 's', type: 'multiple', options: [], automatic: false, placed: true });
});

test('row/item options hide what is not chosen', () => {
  const selectors = dashboardSelectors(project, dashboard, cohortsOf);
  const names = dashboardItemNames(dashboard);
  const chosen = { panels: ['summary item'] };
  const hidden = hiddenItemNames(selectors, (key) => chosen[key] ?? selectors.get(key).options, names);
  assert.deepEqual([...hidden], ['detail row']);
});

test('cohort filters match cohort or trace names; row/item-only selectors do not filter', () => {
  const names = new Set(['detail row']);
  const keep = cohortFilter({ options: ['east', 'west', 'detail row'] }, ['west', 'trace b'], names);
  assert.equal(keep('trace a', 'east'), false);
  assert.equal(keep('trace a', 'west'), true);
  assert.equal(keep('trace b', 'east'), true);
  assert.equal(cohortFilter({ options: ['detail row'] }, [], names), null);
  assert.equal(cohortFilter(undefined, [], names), null);
});

test('a table shows the first chosen cohort, else the first', () => {
  const list = cohorts['by region'];
  assert.equal(tableCohort(list, null).cohort, 'east');
  assert.equal(tableCohort(list, (t, c) => c === 'west').cohort, 'west');
  assert.equal(tableCohort(list, () => false), null);
  assert.equal(tableCohort([], null), null);
});
