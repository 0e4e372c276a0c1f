// 2.x inputs (inputs.js), pivots (pivot.js), slices (traces.js) and levels (projectpage.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  inputStates,
  inputQueryValue,
  combinationKey,
  defaultCombinationKey,
  insightSource,
  validState,
  normalizeState,
  nearestStep,
} from '../../Sources/VisivoSite/Viewer/inputs.js';
import { pivotTable } from '../../Sources/VisivoSite/Viewer/pivot.js';
import { sliceValues } from '../../Sources/VisivoSite/Viewer/traces.js';
import { dashboardLevels } from '../../Sources/VisivoSite/Viewer/projectpage.js';

const inputs = {
  region: { type: 'single-select', options: ['north', "o'hara"], default: 'north' },
  cats: { type: 'multi-select', options: ['a', 'b', 'c'], default: ['a', 'c'] },
  span: { type: 'multi-select', range: { start: 0, end: 100, step: 50 }, options: [0, 50, 100], default: { start: 0, end: 50 } },
};

test('states come from the URL when valid, else the default', () => {
  const query = { 'input.region': '"o\'hara"', 'input.cats': '["c","a"]', 'input.span': '{"start":100,"end":0}' };
  const states = inputStates(inputs, (key) => query[key] ?? null);
  assert.deepEqual(states, { region: "o'hara", cats: ['a', 'c'], span: { start: 0, end: 50 } });
  const bad = inputStates(inputs, (key) => ({ 'input.region': 'nope', 'input.cats': '["z"]' })[key] ?? null);
  assert.deepEqual(bad.region, 'north');
  assert.deepEqual(bad.cats, ['a', 'c']);
});

test('a state equal to the default leaves the URL', () => {
  assert.equal(inputQueryValue(inputs.cats, ['c', 'a']), null);
  assert.equal(inputQueryValue(inputs.cats, ['b']), '["b"]');
  assert.equal(inputQueryValue(inputs.region, "o'hara"), '"o\'hara"');
  assert.deepEqual(normalizeState(inputs.cats, ['c', 'b', 'c']), ['b', 'c']);
  assert.equal(validState(inputs.span, { start: 50, end: 100 }), true);
  assert.equal(validState(inputs.span, { start: 100, end: 50 }), false);
});

test('combination keys are the build\'s: [[name, state], ...] by name', () => {
  assert.equal(combinationKey(['region', 'cats'], { region: 'north', cats: ['a'] }), '[["cats",["a"]],["region","north"]]');
  assert.equal(defaultCombinationKey(['span'], inputs), '[["span",{"start":0,"end":50}]]');
});

test('an insight is drawn from its data.json, a precomputed file, the server, or says it is missing', () => {
  const entry = { inputs: ['region'], variants: { '[["region","o\'hara"]]': 'data/x-1.js' } };
  assert.deepEqual(insightSource(entry, { region: 'north' }, inputs, false), { kind: 'built', key: '[["region","north"]]' });
  assert.deepEqual(insightSource(entry, { region: "o'hara" }, inputs, false), { kind: 'file', path: 'data/x-1.js', key: '[["region","o\'hara"]]' });
  assert.deepEqual(insightSource(entry, { region: "o'hara" }, inputs, true), { kind: 'server', key: '[["region","o\'hara"]]' });
  assert.equal(insightSource({ ...entry, variants: {} }, { region: "o'hara" }, inputs, false).kind, 'missing');
  assert.deepEqual(insightSource({}, {}, inputs, false), { kind: 'built' });
});

test('the nearest step of numbers and dates', () => {
  assert.equal(nearestStep([0, 50, 100], 60), 1);
  assert.equal(nearestStep(['2024-01-01', '2024-02-01', '2024-03-01'], '2024-02-20'), 2);
  assert.equal(nearestStep([], 1), -1);
});

test('a pivot: a row per rows value, a column per columns value, blanks where no group', () => {
  const data = { 'columns.region': ['e', 'e', 'n'], 'columns.cat': ['t', 'g', 't'], 'columns.sum': [1, 2, 3] };
  const { data: out, columns } = pivotTable({ rows: ['columns.region'], columns: ['columns.cat'], values: ['columns.sum'] }, data);
  assert.deepEqual(columns.map((c) => c.header), ['region', 't', 'g']);
  assert.deepEqual(Object.values(out), [['e', 'n'], [1, 3], [2, null]]);
  const plain = pivotTable({ rows: [], columns: [], values: [] }, data);
  assert.equal(plain.data, data);
});

test('slices take an element or a part, as Python does', () => {
  assert.equal(sliceValues([1, 2, 3], '[0]'), 1);
  assert.equal(sliceValues([1, 2, 3], '[-1]'), 3);
  assert.deepEqual(sliceValues([1, 2, 3], '[1:]'), [2, 3]);
  assert.deepEqual(sliceValues([1, 2, 3], '[:-1]'), [1, 2]);
  assert.deepEqual(sliceValues([1, 2, 3], null), [1, 2, 3]);
});

test('dashboards grouped by level, by index or title, the rest last', () => {
  const levels = [{ title: 'Overview', description: 'start' }, { title: 'Detail', description: 'more' }];
  const groups = dashboardLevels(
    [{ name: 'a', level: 1 }, { name: 'b', level: 'overview' }, { name: 'c' }, { name: 'd', level: 7 }],
    levels,
  );
  assert.deepEqual(groups.map((g) => [g.title, g.dashboards.map((d) => d.name)]), [
    ['Overview', ['b']],
    ['Detail', ['a']],
    ['Level 7', ['d']],
    [null, ['c']],
  ]);
});

test('a chart of 2.x insights gets no automatic selector; a 1.x chart and a table do', async () => {
  const { dashboardSelectors } = await import('../../Sources/VisivoSite/Viewer/selectors.js');
  const project = {
    charts: { new: { traces: ['i'] }, old: { traces: ['t'] } },
    tables: { tab: { traces: ['i'] } },
    traces: { i: { insight: true }, t: {} },
  };
  const dashboard = { rows: [{ items: [{ chart: 'new' }, { chart: 'old' }, { table: 'tab' }] }] };
  const cohorts = () => [{ trace: 'x', cohort: 'a' }, { trace: 'x', cohort: 'b' }];
  const keys = [...dashboardSelectors(project, dashboard, cohorts).keys()];
  assert.deepEqual(keys, ['old Selector', 'tab Selector']);
});

test('format_cells shades numbers between two colours by table, row or column', async () => {
  const { cellShade, parseHexColor } = await import('../../Sources/VisivoSite/Viewer/cellcolors.js');
  assert.deepEqual(parseHexColor('#f00'), [255, 0, 0]);
  assert.equal(parseHexColor('red'), null);
  const data = { a: [0, 10], b: [5, 'x'] };
  const table = cellShade({ scope: 'table', min_color: '#000000', max_color: '#ffffff' }, data, ['a', 'b'], 2);
  assert.equal(table('a', 0), 'rgb(0, 0, 0)');
  assert.equal(table('a', 1), 'rgb(255, 255, 255)');
  assert.equal(table('b', 0), 'rgb(128, 128, 128)');
  assert.equal(table('b', 1), null);
  const column = cellShade({ scope: 'column', min_color: '#000', max_color: '#fff' }, data, ['a', 'b'], 2);
  assert.equal(column('b', 0), 'rgb(0, 0, 0)');
  const row = cellShade({ scope: 'row', min_color: '#000', max_color: '#fff' }, data, ['a', 'b'], 2);
  assert.equal(row('b', 0), 'rgb(255, 255, 255)');
  assert.equal(cellShade({ scope: 'table', min_color: 'nope', max_color: '#fff' }, data, ['a'], 2), null);
});
