// Reading project.js (model.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  findDashboard,
  itemKind,
  itemLabel,
  dashboardHasItems,
  dashboardTraceNames,
  dataFileVersions,
  dashboardShape,
  dashboardHref,
  projectHref,
  dataFileHref,
} from '../../Sources/VisivoSite/Viewer/model.js';

const project = {
  dashboards: [
    {
      name: 'sales',
      path: 'sales/',
      rows: [
        { height: 'compact', name: null, items: [{ width: 3, markdown: '# x' }, { selector: 's' }] },
        { name: 'r', items: [{ width: 2, chart: 'c1' }, { table: 't1', name: 'the table' }, { width: 1 }] },
      ],
    },
    { name: 'empty', path: 'empty/', rows: [] },
  ],
  charts: { c1: { traces: ['a', 'b'] } },
  tables: { t1: { traces: ['b', 'c'] } },
  traces: {
    a: { status: 'ok', data: 'data/a.js', version: '9f86d081884c7d65' },
    b: { status: 'ok', data: 'data/b.js' },
    c: { status: 'failed', data: 'data/c.js' },
  },
};

test('findDashboard and items', () => {
  const sales = findDashboard(project, 'sales');
  assert.equal(sales.path, 'sales/');
  assert.equal(findDashboard(project, 'nope'), null);
  assert.equal(findDashboard({}, 'x'), null);
  const items = sales.rows.flatMap((row) => row.items);
  assert.deepEqual(items.map(itemKind), ['markdown', 'selector', 'chart', 'table', 'empty']);
  assert.deepEqual(items.map(itemLabel), [null, 's', 'c1', 't1', null]);
  assert.equal(itemKind({ markdown: '' }), 'markdown');
  assert.ok(dashboardHasItems(sales));
  assert.ok(!dashboardHasItems(findDashboard(project, 'empty')));
  assert.ok(!dashboardHasItems({ rows: [{ items: [] }] }));
});

test('a dashboard needs its charts and tables traces, built ones only load', () => {
  const names = dashboardTraceNames(project, findDashboard(project, 'sales'));
  assert.deepEqual(names, ['a', 'b', 'c']);
  // Each built trace's file with the data's own version, else the project's.
  assert.deepEqual([...dataFileVersions({ ...project, version: 'v7' }, names)], [
    ['data/a.js', '9f86d081884c7d65'],
    ['data/b.js', 'v7'],
  ]);
  assert.deepEqual([...dataFileVersions(project, ['b'])], [['data/b.js', '']]);
});

test('shape changes with structure, not with content', () => {
  const one = { rows: [{ height: 'small', items: [{ markdown: 'a' }, { chart: 'c' }] }] };
  const two = { rows: [{ height: 'small', items: [{ markdown: 'b' }, { chart: 'c' }] }] };
  const three = { rows: [{ height: 'large', items: [{ markdown: 'b' }, { chart: 'c' }] }] };
  assert.equal(dashboardShape(one), dashboardShape(two));
  assert.notEqual(dashboardShape(two), dashboardShape(three));
});

test('addresses are relative to base', () => {
  assert.equal(dashboardHref('./', { path: 'sales-overview/' }), './sales-overview/index.html');
  assert.equal(projectHref('../'), '../index.html');
  assert.equal(dataFileHref('../', 'data/a-1.js', '3f 9'), '../data/a-1.js?v=3f%209');
});
