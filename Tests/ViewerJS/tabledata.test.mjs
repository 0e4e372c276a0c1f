// Table columns, sort, paging and CSV (tabledata.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PAGE_SIZES,
  columnHeader,
  tableColumns,
  rowCount,
  cellValue,
  cellText,
  isNumericColumn,
  compareCells,
  sortedRowOrder,
  pageSlice,
  pageSizeChoices,
  initialPageSize,
  csvField,
  tableCsv,
} from '../../Sources/VisivoSite/Viewer/tabledata.js';

test('headers: last dotted segment, _ as space', () => {
  assert.equal(columnHeader('props.x'), 'x');
  assert.equal(columnHeader('columns.total_amount'), 'total amount');
  assert.equal(columnHeader('props.marker.color'), 'color');
  assert.equal(columnHeader('plain'), 'plain');
});

test('columns: column_defs for the trace, else every key', () => {
  const table = {
    column_defs: [{ trace_name: 'a', columns: [{ header: 'Segment', key: 'props.x' }, { key: 'props.y' }] }],
  };
  const data = { 'props.x': [1], 'columns.unit_price': [2] };
  assert.deepEqual(tableColumns(table, 'a', data), [
    { key: 'props.x', header: 'Segment' },
    { key: 'props.y', header: 'y' },
  ]);
  assert.deepEqual(tableColumns(table, 'b', data), [
    { key: 'props.x', header: 'x' },
    { key: 'columns.unit_price', header: 'unit price' },
  ]);
  assert.deepEqual(tableColumns({ column_defs: [] }, 'a', {}), []);
});

test('rows: the longest column; absent cells are null', () => {
  const data = { a: [1, 2, 3], b: [1] };
  assert.equal(rowCount(data, ['a', 'b', 'missing']), 3);
  assert.equal(cellValue(data, 'b', 2), null);
  assert.equal(cellValue(data, 'missing', 0), null);
});

test('cell text', () => {
  assert.equal(cellText(null), '');
  assert.equal(cellText(1.5), '1.5');
  assert.equal(cellText(false), 'false');
  assert.equal(cellText([1, 'a']), '[1,"a"]');
});

test('compare: numbers numerically and before text; text numeric-aware', () => {
  assert.ok(compareCells(9, 10) < 0);
  assert.ok(compareCells(10, 'a') < 0);
  assert.ok(compareCells('item9', 'item10') < 0);
  assert.equal(compareCells(2, 2), 0);
});

test('sort: numeric, nulls last both ways, stable, reversible', () => {
  const data = { n: [10, null, 9, 100, 9, ''], s: ['a', 'b', 'c', 'd', 'e', 'f'] };
  assert.deepEqual(sortedRowOrder(data, 'n', 'asc', 6), [2, 4, 0, 3, 1, 5]);
  assert.deepEqual(sortedRowOrder(data, 'n', 'desc', 6), [3, 0, 2, 4, 1, 5]);
  assert.deepEqual(sortedRowOrder(data, null, 'asc', 6), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(sortedRowOrder({ d: ['2024-02', '2024-01', null] }, 'd', 'asc', 3), [1, 0, 2]);
});

test('sort of 100,000 rows is quick', () => {
  const values = Array.from({ length: 100000 }, (_, i) => (i * 7919) % 100003);
  const started = performance.now();
  const order = sortedRowOrder({ v: values }, 'v', 'asc', values.length);
  assert.ok(performance.now() - started < 1000);
  assert.ok(values[order[0]] <= values[order[1]]);
});

test('paging clamps and counts pages', () => {
  assert.deepEqual(pageSlice(7, 1, 3), { page: 1, pages: 3, start: 0, end: 3 });
  assert.deepEqual(pageSlice(7, 3, 3), { page: 3, pages: 3, start: 6, end: 7 });
  assert.deepEqual(pageSlice(7, 9, 3), { page: 3, pages: 3, start: 6, end: 7 });
  assert.deepEqual(pageSlice(7, 0, 3), { page: 1, pages: 3, start: 0, end: 3 });
  assert.deepEqual(pageSlice(0, 1, 50), { page: 1, pages: 1, start: 0, end: 0 });
});

test('page sizes: the reference choices plus rows_per_page; default 50', () => {
  assert.deepEqual(PAGE_SIZES, [3, 5, 15, 25, 50, 100, 500, 1000]);
  assert.deepEqual(pageSizeChoices(null), PAGE_SIZES);
  assert.deepEqual(pageSizeChoices(10), [3, 5, 10, 15, 25, 50, 100, 500, 1000]);
  assert.equal(initialPageSize(null), 50);
  assert.equal(initialPageSize(15), 15);
  assert.equal(initialPageSize(0), 50);
});

test('CSV fields are quoted only when needed (RFC 4180)', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField('cr\r'), '"cr\r"');
  assert.equal(csvField(null), '');
  assert.equal(csvField(3.25), '3.25');
});

test('CSV of the whole table in display order with CRLF line ends', () => {
  const columns = [{ key: 'props.x', header: 'Segment, name' }, { key: 'props.y', header: 'y' }];
  const data = { 'props.x': ['smb', 'enterprise'], 'props.y': [432.49, null] };
  assert.equal(tableCsv(columns, data, [1, 0]), '"Segment, name",y\r\nenterprise,\r\nsmb,432.49\r\n');
});

test('numeric columns are those whose first value is a number', () => {
  const data = { n: [null, 3, 'x'], s: ['a', 1], e: [] };
  assert.equal(isNumericColumn(data, 'n'), true);
  assert.equal(isNumericColumn(data, 's'), false);
  assert.equal(isNumericColumn(data, 'e'), false);
  assert.equal(isNumericColumn(data, 'missing'), false);
});
