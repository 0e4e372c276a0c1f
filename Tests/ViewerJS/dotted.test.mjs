// Dotted keys -> nested objects (dotted.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setDotted, nestDotted, cohortColumns } from '../../Sources/VisivoSite/Viewer/dotted.js';

test('nestDotted nests dotted keys under a prefix', () => {
  const color = ['red', 'blue'];
  const nested = nestDotted({ 'props.x': [1, 2], 'props.marker.color': color, 'columns.c': [3] }, 'props.');
  assert.deepEqual(nested, { x: [1, 2], marker: { color: ['red', 'blue'] } });
  assert.equal(nested.marker.color, color, 'values are not copied');
});

test('list indexes create lists', () => {
  const nested = nestDotted({ 'props.customdata.0': ['a'], 'props.customdata.1': ['b'] }, 'props.');
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

test('a key without the prefix, or the bare prefix, is left out', () => {
  assert.deepEqual(nestDotted({ 'props.': [1], 'columns.x': [2], x: [3] }, 'props.'), {});
});

test('cohortColumns strips the columns. prefix only', () => {
  const columns = cohortColumns({ 'props.x': [1], 'columns.month': ['a'], 'columns.a.b': [2] });
  assert.deepEqual(columns, { month: ['a'], 'a.b': [2] });
});
