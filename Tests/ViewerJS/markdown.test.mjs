// Markdown rendering, HTML always escaped (markdown.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, safeHref, renderInline, renderMarkdown } from '../../Sources/VisivoSite/Viewer/markdown.js';

test('escapeHtml escapes the five characters', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});

test('raw HTML is text, never elements', () => {
  const html = renderMarkdown('<script>alert(1)</script>\n\n<img src=x onerror="alert(1)">\n\nhi <b>there</b>');
  assert.equal(
    html,
    '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>' +
      '<p>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</p>' +
      '<p>hi &lt;b&gt;there&lt;/b&gt;</p>',
  );
  assert.ok(!/<(script|img|b)\b/i.test(html));
});

test('headings, setext headings, paragraphs, line breaks', () => {
  assert.equal(renderMarkdown('# Title\n### Three ###'), '<h1>Title</h1><h3>Three</h3>');
  assert.equal(renderMarkdown('Big\n===\nSmall\n---'), '<h1>Big</h1><h2>Small</h2>');
  assert.equal(renderMarkdown('one\ntwo\n\nthree'), '<p>one\ntwo</p><p>three</p>');
  assert.equal(renderMarkdown('end  \nnext'), '<p>end<br>\nnext</p>');
  assert.equal(renderMarkdown('#nospace'), '<p>#nospace</p>');
});

test('emphasis, strong, strikethrough, code; snake_case untouched', () => {
  assert.equal(renderInline('**b** *i* _j_ __k__ ~~s~~'), '<strong>b</strong> <em>i</em> <em>j</em> <strong>k</strong> <del>s</del>');
  assert.equal(renderInline('snake_case_name and 2 * 3 * 4'), 'snake_case_name and 2 * 3 * 4');
  assert.equal(renderInline('`a *not em* &lt;b&gt;`'), '<code>a *not em* &lt;b&gt;</code>');
  assert.equal(renderInline('``a `tick` b``'), '<code>a `tick` b</code>');
  assert.equal(renderInline('\\*literal\\*'), '*literal*');
});

test('fenced code blocks keep content escaped and verbatim', () => {
  assert.equal(
    renderMarkdown('```sql\nselect * from t where a < 1 -- **x**\n```'),
    '<pre><code class="language-sql">select * from t where a &lt; 1 -- **x**\n</code></pre>',
  );
  assert.equal(renderMarkdown('~~~\n<b>\n~~~'), '<pre><code>&lt;b&gt;\n</code></pre>');
  assert.equal(renderMarkdown('```" onclick="x\ncode\n```'), '<pre><code class="language-quot">code\n</code></pre>');
});

test('bullet and numbered lists, nesting, loose lists', () => {
  assert.equal(renderMarkdown('- a\n- b\n* c'), '<ul><li>a</li><li>b</li></ul><ul><li>c</li></ul>');
  assert.equal(renderMarkdown('1. one\n2. two'), '<ol><li>one</li><li>two</li></ol>');
  assert.equal(renderMarkdown('3) three\n4) four'), '<ol start="3"><li>three</li><li>four</li></ol>');
  assert.equal(renderMarkdown('- a\n  - b\n- c'), '<ul><li>a\n<ul><li>b</li></ul></li><li>c</li></ul>');
  assert.equal(renderMarkdown('- a\n\n- b'), '<ul><li><p>a</p></li><li><p>b</p></li></ul>');
  assert.equal(renderMarkdown('- a\ncontinued'), '<ul><li>a\ncontinued</li></ul>');
  assert.equal(renderMarkdown('para\n- item'), '<p>para</p><ul><li>item</li></ul>');
});

test('GFM tables with alignment and inline markdown', () => {
  assert.equal(
    renderMarkdown('| a | b | c |\n|:--|:-:|--:|\n| *1* | 2 |\n| x \\| y | z | w |'),
    '<table><thead><tr><th style="text-align:left">a</th><th style="text-align:center">b</th>' +
      '<th style="text-align:right">c</th></tr></thead><tbody>' +
      '<tr><td style="text-align:left"><em>1</em></td><td style="text-align:center">2</td><td style="text-align:right"></td></tr>' +
      '<tr><td style="text-align:left">x | y</td><td style="text-align:center">z</td><td style="text-align:right">w</td></tr>' +
      '</tbody></table>',
  );
  assert.equal(renderMarkdown('a | b\n--|--'), '<table><thead><tr><th>a</th><th>b</th></tr></thead></table>');
});

test('links: http, https, mailto, relative, anchors kept; other schemes dropped', () => {
  assert.equal(renderInline('[a](https://x.org/?q=1&amp;r=2)'), '<a href="https://x.org/?q=1&amp;r=2" rel="noopener noreferrer">a</a>');
  assert.equal(renderInline('[a](http://x.org &quot;T&quot;)'), '<a href="http://x.org" title="T" rel="noopener noreferrer">a</a>');
  assert.equal(renderInline('[m](mailto:a@b.c)'), '<a href="mailto:a@b.c">m</a>');
  assert.equal(renderInline('[r](../other/index.html)'), '<a href="../other/index.html">r</a>');
  assert.equal(renderInline('[t](#top)'), '<a href="#top">t</a>');
  assert.equal(renderInline('[**b**](x_y_z.html)'), '<a href="x_y_z.html"><strong>b</strong></a>');
  assert.equal(renderInline('[w](https://en.wikipedia.org/wiki/A_(b))'), '<a href="https://en.wikipedia.org/wiki/A_(b)" rel="noopener noreferrer">w</a>');
  assert.equal(renderInline('[x](javascript:alert(1))'), 'x');
  assert.equal(renderInline('[x](JavaScript:alert(1))'), 'x');
  assert.equal(renderInline('[x](data:text/html,hi)'), 'x');
  assert.equal(renderInline('[x](vbscript:msgbox)'), 'x');
  assert.equal(renderInline('&lt;https://a.b/c&gt;'), '<a href="https://a.b/c" rel="noopener noreferrer">https://a.b/c</a>');
  assert.equal(renderInline('&lt;javascript:alert(1)&gt;'), '&lt;javascript:alert(1)&gt;');
});

test('safeHref ignores control characters browsers would ignore', () => {
  assert.equal(safeHref('\u0001javascript:alert(1)'), null);
  assert.equal(safeHref('java\u0009script:alert(1)'), null);
  assert.equal(safeHref('https://ok'), 'https://ok');
  assert.equal(safeHref('page.html#x'), 'page.html#x');
});

test('markdown cannot forge attributes or tags', () => {
  const html = renderMarkdown('[x](https://a.b/"onmouseover="alert(1)) and [y](#" onclick="z) ![i](x.png)');
  assert.ok(!/"\s*on\w+=/.test(html), html);
  assert.ok(!/<img/.test(html));
});

test('blockquotes and horizontal rules', () => {
  assert.equal(renderMarkdown('> quoted **b**\n> more'), '<blockquote><p>quoted <strong>b</strong>\nmore</p></blockquote>');
  assert.equal(renderMarkdown('a\n\n---\n\n***\n\n- - -'), '<p>a</p><hr><hr><hr>');
});

test('empty and odd input', () => {
  assert.equal(renderMarkdown(''), '');
  assert.equal(renderMarkdown(null), '');
  assert.equal(renderMarkdown('a\u0000b\r\nc'), '<p>ab\nc</p>');
});
