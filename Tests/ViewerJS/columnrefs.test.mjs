// column() references (columnrefs.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseColumnRef,
  columnRefValue,
  resolveColumnRefs,
} from '../../Sources/VisivoSite/Viewer/columnrefs.js';

const columns = { c: [10, 20, 30, 40, 50], 'f(x)': [1] };

test('parses whole columns, indexes and slices', () => {
  assert.deepEqual(parseColumnRef('column(c)'), { column: 'c' });
  assert.deepEqual(parseColumnRef('column(c)[2]'), { column: 'c', index: 2 });
  assert.deepEqual(parseColumnRef('column(c)[-1]'), { column: 'c', index: -1 });
  assert.deepEqual(parseColumnRef('column(c)[1:3]'), { column: 'c', start: 1, end: 3 });
  assert.deepEqual(parseColumnRef('column(c)[2:]'), { column: 'c', start: 2, end: null });
  assert.deepEqual(parseColumnRef('column(c)[:2]'), { column: 'c', start: 0, end: 2 });
  assert.deepEqual(parseColumnRef('column(c)[-2:]'), { column: 'c', start: -2, end: null });
  assert.deepEqual(parseColumnRef(' column(month name) '), { column: 'month name' });
  assert.deepEqual(parseColumnRef('column(f(x))'), { column: 'f(x)' });
});

test('text that is no reference is not parsed', () => {
  assert.equal(parseColumnRef('query(sum(x))'), null);
  assert.equal(parseColumnRef('Total: column(c)'), null);
  assert.equal(parseColumnRef('column()'), null);
  assert.equal(parseColumnRef('columns(c)'), null);
});

test('values: element, negative index, slices, whole column by reference', () => {
  const value = (text) => columnRefValue(parseColumnRef(text), columns);
  assert.equal(value('column(c)[0]'), 10);
  assert.equal(value('column(c)[-1]'), 50);
  assert.equal(value('column(c)[-2]'), 40);
  assert.equal(value('column(c)[9]'), undefined);
  assert.deepEqual(value('column(c)[1:3]'), [20, 30]);
  assert.deepEqual(value('column(c)[3:]'), [40, 50]);
  assert.deepEqual(value('column(c)[:2]'), [10, 20]);
  assert.deepEqual(value('column(c)[:-1]'), [10, 20, 30, 40]);
  assert.deepEqual(value('column(c)[-2:]'), [40, 50]);
  assert.equal(value('column(c)'), columns.c);
  assert.equal(value('column(missing)'), undefined);
  assert.equal(value('column(constructor)'), undefined);
});

test('resolveColumnRefs deep-copies props and replaces references at any depth', () => {
  const props = {
    type: 'scatter',
    x: 'column(c)',
    marker: { color: 'column(c)[-1]', size: 3 },
    customdata: ['column(c)[:2]', 'literal'],
    text: 'column(missing)',
  };
  const resolved = resolveColumnRefs(props, columns);
  assert.deepEqual(resolved, {
    type: 'scatter',
    x: [10, 20, 30, 40, 50],
    marker: { color: 50, size: 3 },
    customdata: [[10, 20], 'literal'],
  });
  assert.equal(resolved.x, columns.c, 'a whole column is not copied');
  assert.notEqual(resolved.marker, props.marker);
  assert.equal(props.x, 'column(c)', 'the input is untouched');
});
