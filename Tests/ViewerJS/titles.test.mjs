// String titles -> {text} for plotly.js 4 (titles.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeTitles } from '../../Sources/VisivoSite/Viewer/titles.js';

test('layout and axis string titles become objects', () => {
  const layout = { title: 'Revenue', xaxis: { title: 'Month' }, yaxis2: { title: 3 }, barmode: 'stack' };
  assert.deepEqual(normalizeTitles(layout), {
    title: { text: 'Revenue' },
    xaxis: { title: { text: 'Month' } },
    yaxis2: { title: { text: 3 } },
    barmode: 'stack',
  });
  assert.equal(layout.title, 'Revenue', 'the input is untouched');
});

test('object titles are kept; nested scene axes and colorbars are converted', () => {
  const layout = {
    title: { text: 'A', x: 0 },
    scene: { zaxis: { title: 'Z' } },
    coloraxis: { colorbar: { title: 'C' } },
    annotations: [{ text: 'note' }],
  };
  assert.deepEqual(normalizeTitles(layout), {
    title: { text: 'A', x: 0 },
    scene: { zaxis: { title: { text: 'Z' } } },
    coloraxis: { colorbar: { title: { text: 'C' } } },
    annotations: [{ text: 'note' }],
  });
});

test('legacy titlefont and titleside move into title', () => {
  assert.deepEqual(normalizeTitles({ title: 'T', titlefont: { size: 20 } }), {
    title: { text: 'T', font: { size: 20 } },
  });
  assert.deepEqual(normalizeTitles({ colorbar: { title: 'x', titleside: 'right' } }), {
    colorbar: { title: { text: 'x', side: 'right' } },
  });
  assert.deepEqual(normalizeTitles({ title: { text: 'T', font: { size: 9 } }, titlefont: { size: 20 } }), {
    title: { text: 'T', font: { size: 9 } },
  });
});

test('non-objects pass through', () => {
  assert.equal(normalizeTitles(null), null);
  assert.equal(normalizeTitles('title'), 'title');
  assert.deepEqual(normalizeTitles([{ title: 'a' }, 1]), [{ title: { text: 'a' } }, 1]);
});
