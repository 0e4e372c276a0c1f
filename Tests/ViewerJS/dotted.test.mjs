// Dotted keys -> nested objects (dotted.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setDotted, cohortColumns } from '../../Sources/VisivoSite/Viewer/dotted.js';

// The props of a flat cohort, nested: every `props.*` key written at its path.
function nestProps(flat) {
  const nested = {};
  for (const [key, value] of Object.entries(flat)) {
    if (key.startsWith('props.')) setDotted(nested, key.slice('props.'.length), value);
  }
  return nested;
}

test('dotted keys nest into objects', () => {
  const color = ['red', 'blue'];
  const nested = nestProps({ 'props.x': [1, 2], 'props.marker.color': color, 'columns.c': [3] });
  assert.deepEqual(nested, { x: [1, 2], marker: { color: ['red', 'blue'] } });
  assert.equal(nested.marker.color, color, 'values are not copied');
});

test('list indexes create lists', () => {
  const nested = nestProps({ 'props.customdata.0': ['a'], 'props.customdata.1': ['b'] });
  assert.ok(Array.isArray(nested.customdata));
  assert.deepEqual(nested.customdata, [['a'], ['b']]);
});

test('deep list paths mix lists and objects', () => {
  const target = setDotted({}, 'dimensions.0.values', [1]);
  assert.deepEqual(target, { dimensions: [{ values: [1] }] });
});

test('setDotted replaces a static string on the way and keeps sibling keys', () => {
  const target = { marker: { color: 'query(c)', size: 4 }, z: 'query(z)' };
  setDotted(target, 'marker.color', [1]);
  setDotted(target, 'z.0', [2]);
  assert.deepEqual(target, { marker: { color: [1], size: 4 }, z: [[2]] });
});

test('setDotted merges into an existing static list index by index', () => {
  const target = { z: ['query(a)', 5] };
  setDotted(target, 'z.0', [1, 2]);
  assert.deepEqual(target, { z: [[1, 2], 5] });
});

test('prototype paths are ignored', () => {
  const target = setDotted({}, '__proto__.polluted', true);
  assert.deepEqual(target, {});
  assert.equal({}.polluted, undefined);
  setDotted({}, 'a.constructor.prototype.polluted', true);
  assert.equal({}.polluted, undefined);
});

test('a single segment sets a key', () => {
  assert.deepEqual(setDotted({ a: 1 }, 'x', [2]), { a: 1, x: [2] });
});

test('cohortColumns strips the columns. prefix only', () => {
  const columns = cohortColumns({ 'props.x': [1], 'columns.month': ['a'], 'columns.a.b': [2] });
  assert.deepEqual(columns, { month: ['a'], 'a.b': [2] });
});
