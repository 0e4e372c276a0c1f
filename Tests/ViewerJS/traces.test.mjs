// One plotly trace per cohort (traces.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cohortTrace,
  traceProblem,
  traceCohorts,
  cohortNames,
  chartTraces,
  drawingInputs,
  sameDrawingInputs,
} from '../../Sources/VisivoSite/Viewer/traces.js';

test('merge order: static props, then data props, then the cohort name', () => {
  const props = {
    type: 'bar',
    name: 'static name',
    x: 'query(month)',
    marker: { color: 'red', line: { width: 2 } },
    title: 'pie title',
  };
  const cohort = { 'props.x': ['2024-01'], 'props.marker.color': ['blue'], 'columns.c': [1] };
  const trace = cohortTrace(props, cohort, 'east');
  assert.deepEqual(trace, {
    type: 'bar',
    name: 'east',
    x: ['2024-01'],
    marker: { color: ['blue'], line: { width: 2 } },
    title: { text: 'pie title' },
  });
  assert.equal(trace.x, cohort['props.x'], 'data arrays are used as they are');
  assert.equal(props.marker.color, 'red', 'static props are not mutated');
});

test('column() references resolve against the cohort, then data props win', () => {
  const props = { type: 'scatter', x: 'column(month)', y: 'column(actual)', text: 'column(target)[-1]' };
  const cohort = { 'columns.month': ['a', 'b'], 'columns.actual': [1, 2], 'columns.target': [7, 9] };
  assert.deepEqual(cohortTrace(props, cohort, 'north'), {
    type: 'scatter', x: ['a', 'b'], y: [1, 2], text: 9, name: 'north',
  });
  assert.deepEqual(cohortTrace({ x: 'column(c)' }, { 'columns.c': [1], 'props.x': [2] }, 'k').x, [2]);
});

test('list-index data keys and missing props', () => {
  const trace = cohortTrace(undefined, { 'props.customdata.0': [1], 'props.customdata.1': [2] }, 'c');
  assert.deepEqual(trace, { customdata: [[1], [2]], name: 'c' });
});

test('traceProblem names the trace and says why', () => {
  assert.equal(traceProblem('t', undefined, undefined), 'Trace “t” is not in the project.');
  assert.equal(
    traceProblem('t', { status: 'failed', message: 'no such table: x' }),
    'Trace “t” failed: no such table: x',
  );
  assert.equal(
    traceProblem('t', { status: 'skipped', message: "model 'm' failed" }),
    "Trace “t” was skipped: model 'm' failed",
  );
  assert.equal(traceProblem('t', { status: 'missing' }), 'Trace “t” has not been built yet.');
  assert.equal(traceProblem('t', { status: 'ok', data: null }), 'Trace “t” names no data file.');
  assert.equal(
    traceProblem('t', { status: 'ok', data: 'data/t.js' }, { error: 'could not load data/t.js' }),
    'Trace “t”: could not load data/t.js',
  );
  assert.equal(traceProblem('t', { status: 'ok', data: 'data/t.js' }, { data: {} }), null);
});

test('traceCohorts keeps trace order then file order; cohortNames dedupes', () => {
  const data = { a: { west: {}, east: {} }, b: { east: {}, north: {} } };
  const cohorts = traceCohorts(['b', 'missing', 'a'], (name) => data[name] ?? null);
  assert.deepEqual(cohorts.map((c) => `${c.trace}/${c.cohort}`), ['b/east', 'b/north', 'a/west', 'a/east']);
  assert.deepEqual(cohortNames(cohorts), ['east', 'north', 'west']);
});

const entries = {
  revenue: { props: { type: 'bar', x: 'query(m)' }, data: 'data/r.js', status: 'ok' },
  target: { props: { type: 'scatter' }, data: 'data/t.js', status: 'ok' },
  broken: { props: {}, data: 'data/b.js', status: 'failed', message: 'syntax error' },
  empty: { props: { type: 'bar' }, data: 'data/e.js', status: 'ok' },
};
const loaded = {
  revenue: { data: { east: { 'props.x': [1] }, west: { 'props.x': [2] } } },
  target: { data: { east: { 'props.y': [3] } } },
  empty: { data: {} },
};

test('chartTraces: traces x cohorts in order, errors for failed traces', () => {
  const result = chartTraces(['revenue', 'broken', 'target'], entries, (name) => loaded[name]);
  assert.deepEqual(result.traces.map((t) => t.name), ['east', 'west', 'east']);
  assert.deepEqual(result.traces.map((t) => t.type), ['bar', 'bar', 'scatter']);
  assert.deepEqual(result.errors, ['Trace “broken” failed: syntax error']);
  assert.equal(result.cohortCount, 3);
});

test('chartTraces filters by the selection but counts every cohort', () => {
  const keep = (trace, cohort) => cohort === 'west' || trace === 'target';
  const result = chartTraces(['revenue', 'target'], entries, (name) => loaded[name], keep);
  assert.deepEqual(result.traces.map((t) => `${t.type}/${t.name}`), ['bar/west', 'scatter/east']);
  assert.equal(result.cohortCount, 3);
});

test('an empty data file gives no traces and no error', () => {
  const result = chartTraces(['empty'], entries, (name) => loaded[name]);
  assert.deepEqual(result, { traces: [], errors: [], cohortCount: 0 });
});

test('a chart redraws only when its document parts, data or selection change', () => {
  const chart = { traces: ['a', 'b'], layout: { title: { text: 'T' } } };
  const entries = { a: { status: 'ok', data: 'data/a.js', version: '1' }, b: { status: 'ok', data: 'data/b.js', version: '2' } };
  const dataA = { data: {} };
  const dataB = { data: {} };
  const loaded = new Map([['a', dataA], ['b', dataB]]);
  const of = (m) => (name) => m.get(name);
  const first = drawingInputs(chart, entries, of(loaded), null);
  assert.ok(sameDrawingInputs(first, drawingInputs(structuredClone(chart), structuredClone(entries), of(new Map(loaded)), null)));
  assert.ok(!sameDrawingInputs(first, null));
  // New data for one trace (another object), a changed prop, another selection.
  assert.ok(!sameDrawingInputs(first, drawingInputs(chart, entries, of(new Map([['a', dataA], ['b', { data: {} }]])), null)));
  assert.ok(!sameDrawingInputs(first, drawingInputs({ ...chart, layout: {} }, entries, of(loaded), null)));
  assert.ok(!sameDrawingInputs(first, drawingInputs(chart, { ...entries, b: { ...entries.b, version: '3' } }, of(loaded), null)));
  assert.ok(!sameDrawingInputs(first, drawingInputs(chart, entries, of(loaded), [['x']])));
});
