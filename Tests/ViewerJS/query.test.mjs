// Selector state <-> URL query (query.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NO_COHORTS,
  parseQuery,
  queryValue,
  withQueryValue,
  defaultSelection,
  selectionFromQuery,
  selectionQueryValue,
} from '../../Sources/VisivoSite/Viewer/query.js';

test('parseQuery decodes keys and values, + as space', () => {
  assert.deepEqual(parseQuery('?region=east%2Cwest&revenue+chart+Selector=a,b&flag'), [
    ['region', 'east,west'],
    ['revenue chart Selector', 'a,b'],
    ['flag', ''],
  ]);
  assert.deepEqual(parseQuery(''), []);
  assert.deepEqual(parseQuery('?bad=%E0%A4%A'), [['bad', '%E0%A4%A']]);
});

test('queryValue finds the first value or null', () => {
  assert.equal(queryValue('?a=1&a=2', 'a'), '1');
  assert.equal(queryValue('?a=1', 'b'), null);
  assert.equal(queryValue('?my%20sel=x%20y', 'my sel'), 'x y');
});

test('withQueryValue sets, replaces in place, removes, keeps other keys', () => {
  assert.equal(withQueryValue('', 'region', 'east,west'), '?region=east,west');
  assert.equal(withQueryValue('?a=1&region=x&b=2', 'region', 'y'), '?a=1&region=y&b=2');
  assert.equal(withQueryValue('?a=1&region=x', 'region', null), '?a=1');
  assert.equal(withQueryValue('?region=x', 'region', null), '');
  assert.equal(withQueryValue('?r=1&r=2', 'r', '3'), '?r=3');
  assert.equal(withQueryValue('', 'sales chart Selector', 'a&b+c'), '?sales%20chart%20Selector=a%26b%2Bc');
  const round = withQueryValue('', 'k=1', 'v w,x');
  assert.equal(queryValue(round, 'k=1'), 'v w,x');
});

test('defaults: all options for multiple, the first for single', () => {
  assert.deepEqual(defaultSelection('multiple', ['a', 'b']), ['a', 'b']);
  assert.deepEqual(defaultSelection('single', ['a', 'b']), ['a']);
  assert.deepEqual(defaultSelection('single', []), []);
});

test('selectionFromQuery: absent = default, NoCohorts = none, unknown values dropped', () => {
  const options = ['east', 'west', 'north'];
  assert.deepEqual(selectionFromQuery(null, 'multiple', options), options);
  assert.deepEqual(selectionFromQuery(NO_COHORTS, 'multiple', options), []);
  assert.deepEqual(selectionFromQuery('north,east,gone', 'multiple', options), ['east', 'north']);
  assert.deepEqual(selectionFromQuery('west', 'single', options), ['west']);
  assert.deepEqual(selectionFromQuery('gone', 'single', options), ['east']);
  assert.deepEqual(selectionFromQuery(null, 'single', options), ['east']);
  assert.deepEqual(selectionFromQuery(NO_COHORTS, 'single', options), []);
});

test('selectionQueryValue: default -> null, none -> NoCohorts, else comma list in option order', () => {
  const options = ['east', 'west', 'north'];
  assert.equal(selectionQueryValue('multiple', options, ['north', 'east', 'west']), null);
  assert.equal(selectionQueryValue('multiple', options, []), NO_COHORTS);
  assert.equal(selectionQueryValue('multiple', options, ['north', 'east']), 'east,north');
  assert.equal(selectionQueryValue('single', options, ['east']), null);
  assert.equal(selectionQueryValue('single', options, ['north']), 'north');
});
