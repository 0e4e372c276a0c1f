// Layout defaults and plot config (plotconfig.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chartLayout, plotConfig, fileSafeName, FONT_STACK } from '../../Sources/VisivoSite/Viewer/plotconfig.js';

test('a chart without layout gets autosize, small margins and the page font', () => {
  assert.deepEqual(chartLayout(null), {
    autosize: true,
    margin: { l: 56, r: 24, t: 24, b: 48, pad: 0 },
    font: { family: FONT_STACK },
  });
});

test('the layout is kept, string titles normalised, room made for the title', () => {
  const layout = chartLayout({ title: 'Revenue', barmode: 'stack', xaxis: { title: 'Month' }, margin: { l: 80 } });
  assert.deepEqual(layout.title, { text: 'Revenue' });
  assert.deepEqual(layout.xaxis, { title: { text: 'Month' } });
  assert.equal(layout.barmode, 'stack');
  assert.deepEqual(layout.margin, { l: 80, r: 24, t: 56, b: 48, pad: 0 });
});

test('the chart wins over the defaults', () => {
  const layout = chartLayout({ autosize: false, height: 300, font: { size: 10 } });
  assert.equal(layout.autosize, false);
  assert.equal(layout.height, 300);
  assert.deepEqual(layout.font, { family: FONT_STACK, size: 10 });
});

test('config: responsive, no logo, no cloud button, PNG download kept and named after the chart', () => {
  const config = plotConfig('revenue / month');
  assert.equal(config.responsive, true);
  assert.equal(config.displaylogo, false);
  assert.equal(config.showSendToCloud, false);
  assert.ok(!config.modeBarButtonsToRemove.includes('toImage'));
  assert.equal(config.toImageButtonOptions.filename, 'revenue - month');
});

test('file-safe names', () => {
  assert.equal(fileSafeName('a:b*c'), 'a-b-c');
  assert.equal(fileSafeName(''), 'chart');
  assert.equal(fileSafeName(null), 'chart');
});
