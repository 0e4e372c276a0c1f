// Row heights and column spans (grid.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rowHeightPx, itemSpan, rowGrid } from '../../Sources/VisivoSite/Viewer/grid.js';

test('named heights, compact, integers and the medium default', () => {
  assert.equal(rowHeightPx('compact'), null);
  assert.equal(rowHeightPx('xsmall'), 128);
  assert.equal(rowHeightPx('small'), 256);
  assert.equal(rowHeightPx('medium'), 396);
  assert.equal(rowHeightPx('large'), 512);
  assert.equal(rowHeightPx('xlarge'), 768);
  assert.equal(rowHeightPx('xxlarge'), 1024);
  assert.equal(rowHeightPx(300), 300);
  assert.equal(rowHeightPx('450'), 450);
  assert.equal(rowHeightPx(undefined), 396);
  assert.equal(rowHeightPx(null), 396);
  assert.equal(rowHeightPx('huge'), 396);
  assert.equal(rowHeightPx(-5), 396);
  assert.equal(rowHeightPx(2.5), 396);
  assert.equal(rowHeightPx('constructor'), 396);
});

test('spans: width when a positive integer, else 1', () => {
  assert.equal(itemSpan({ width: 3 }), 3);
  assert.equal(itemSpan({}), 1);
  assert.equal(itemSpan({ width: 0 }), 1);
  assert.equal(itemSpan({ width: '2' }), 1);
});

test('a row has sum(widths) columns; hidden items leave no gap', () => {
  const row = { height: 'small', items: [{ width: 2 }, { width: 1 }, {}] };
  assert.deepEqual(rowGrid(row), { columns: 4, spans: [2, 1, 1], heightPx: 256 });
  assert.deepEqual(rowGrid(row, [true, false, true]).columns, 3);
  assert.deepEqual(rowGrid(row, [false, false, false]).columns, 1);
  assert.deepEqual(rowGrid({ items: [] }), { columns: 1, spans: [], heightPx: 396 });
});
