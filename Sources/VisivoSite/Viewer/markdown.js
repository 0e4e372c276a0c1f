// A small markdown renderer for dashboard markdown items. The whole source is
// HTML-escaped FIRST; markdown syntax is then recognised in the escaped text and only
// the tags this module writes become elements, so raw HTML in a project (a <script>,
// an <img onerror>) always shows as text. Links keep only http, https, mailto,
// relative and #anchor targets; any other scheme (javascript:, data:, ...) renders
// the link's text alone.
// Supported: ATX and setext headings, paragraphs (a trailing double space or backslash
// breaks a line), *emphasis*, **strong**, ~~strikethrough~~, `code`, fenced code
// blocks, bullet and numbered lists (nested by indentation), GFM pipe tables, links,
// <autolinks>, blockquotes, horizontal rules, backslash escapes. Pure: no DOM.

const HTML_ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes the five HTML-significant characters. */
export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]);
}

/**
 * The href to write for a link target (already HTML-escaped), or null when it must not
 * be a link. Control characters are removed first, as browsers ignore some of them.
 */
export function safeHref(url) {
  const cleaned = url.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(cleaned);
  if (!scheme) return cleaned;
  return ['http', 'https', 'mailto'].includes(scheme[1].toLowerCase()) ? cleaned : null;
}

// MARK: - Inline

const FENCE = /^ {0,3}(`{3,}|~{3,})[ \t]*([^`\s]*)[^`]*$/;
const ATX_HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const LIST_ITEM = /^( *)([-*+]|\d{1,9}[.)])(?:[ \t]+(.*))?$/;
const QUOTE = /^ {0,3}&gt; ?(.*)$/;
const TABLE_DELIMITER = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;
const PLACEHOLDER = /\u0000(\d+)\u0000/g;
const HAS_PLACEHOLDER = /\u0000\d+\u0000/;
const ESCAPABLE = /\\([!#$%()*+,\-./:;=?@[\\\]^_`{|}~]|&amp;|&lt;|&gt;|&quot;|&#39;)/g;
const LINK =
  /(!?)\[((?:[^\[\]\\]|\\.)*)\]\(\s*((?:[^()\s]|\([^()\s]*\))*)(?:\s+&quot;((?:(?!&quot;).)*)&quot;)?\s*\)/g;

function renderLink(textHtml, href, title) {
  const safe = safeHref(href);
  if (safe === null) return textHtml;
  const titleAttr = title ? ` title="${title}"` : '';
  const rel = /^https?:/i.test(safe) ? ' rel="noopener noreferrer"' : '';
  return `<a href="${safe}"${titleAttr}${rel}>${textHtml}</a>`;
}

/**
 * Inline markdown of one block's escaped text. Code spans, escapes and links are set
 * aside as placeholders first, so emphasis never reaches into code or a URL.
 */
export function renderInline(escaped) {
  const held = [];
  const hold = (html) => `\u0000${held.push(html) - 1}\u0000`;
  let text = escaped.replace(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g, (_, ticks, code) => {
    const body = /^ .* $/s.test(code) && code.trim() !== '' ? code.slice(1, -1) : code;
    return hold(`<code>${body.replace(/\n/g, ' ')}</code>`);
  });
  text = text.replace(ESCAPABLE, (_, char) => hold(char));
  text = text.replace(/&lt;((?:https?|mailto):[^\s&]*(?:&amp;[^\s&]*)*)&gt;/gi, (_, url) =>
    hold(renderLink(url, url, null)),
  );
  text = text.replace(LINK, (_, bang, label, href, title) =>
    hold((bang ? '!' : '') + renderLink(renderEmphasis(label), href, title)),
  );
  text = renderEmphasis(text).replace(/(?: {2,}|\\)\n/g, '<br>\n');
  while (HAS_PLACEHOLDER.test(text)) {
    text = text.replace(PLACEHOLDER, (_, index) => held[Number(index)]);
  }
  return text;
}

function renderEmphasis(text) {
  return text
    .replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, '<strong>$1</strong>')
    .replace(/(?<![\p{L}\p{N}_])__(?=\S)([\s\S]*?\S)__(?![\p{L}\p{N}_])/gu, '<strong>$1</strong>')
    .replace(/\*(?=\S)([\s\S]*?\S)\*/g, '<em>$1</em>')
    .replace(/(?<![\p{L}\p{N}_])_(?=\S)([\s\S]*?\S)_(?![\p{L}\p{N}_])/gu, '<em>$1</em>')
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, '<del>$1</del>');
}

// MARK: - Blocks

function indentOf(line) {
  return /^ */.exec(line)[0].length;
}

function isBlank(line) {
  return /^[ \t]*$/.test(line);
}

function startsBlock(lines, i) {
  const line = lines[i];
  return (
    FENCE.test(line) ||
    ATX_HEADING.test(line) ||
    RULE.test(line) ||
    QUOTE.test(line) ||
    LIST_ITEM.test(line) ||
    isTableStart(lines, i)
  );
}

function isTableStart(lines, i) {
  return i + 1 < lines.length && lines[i].includes('|') && TABLE_DELIMITER.test(lines[i + 1]) &&
    (lines[i + 1].includes('|') || splitTableRow(lines[i]).length > 1);
}

function splitTableRow(line) {
  const trimmed = line.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '');
  return trimmed.split(/(?<!\\)\|/).map((cell) => cell.trim());
}

function renderTable(lines, i) {
  const header = splitTableRow(lines[i]);
  const aligns = splitTableRow(lines[i + 1]).map((cell) => {
    const left = cell.startsWith(':');
    const right = cell.endsWith(':');
    return left && right ? 'center' : right ? 'right' : left ? 'left' : null;
  });
  const cell = (tag, text, column) => {
    const align = aligns[column] ? ` style="text-align:${aligns[column]}"` : '';
    return `<${tag}${align}>${renderInline(text ?? '')}</${tag}>`;
  };
  let html = '<table><thead><tr>' + header.map((text, c) => cell('th', text, c)).join('') + '</tr></thead>';
  let next = i + 2;
  const body = [];
  while (next < lines.length && !isBlank(lines[next]) && lines[next].includes('|')) {
    const cells = splitTableRow(lines[next]);
    body.push('<tr>' + header.map((_, c) => cell('td', cells[c], c)).join('') + '</tr>');
    next++;
  }
  if (body.length > 0) html += '<tbody>' + body.join('') + '</tbody>';
  return { html: html + '</table>', next };
}

function renderFence(lines, i) {
  const [, fence, info] = FENCE.exec(lines[i]);
  const closing = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}[ \\t]*$`);
  const body = [];
  let next = i + 1;
  while (next < lines.length && !closing.test(lines[next])) body.push(lines[next++]);
  const language = info.replace(/[^\w+#.-]/g, '');
  const classAttr = language ? ` class="language-${language}"` : '';
  const code = body.length > 0 ? body.join('\n') + '\n' : '';
  return { html: `<pre><code${classAttr}>${code}</code></pre>`, next: next + 1 };
}

function renderQuote(lines, i) {
  const body = [];
  let next = i;
  while (next < lines.length && QUOTE.test(lines[next])) body.push(QUOTE.exec(lines[next++])[1]);
  return { html: `<blockquote>${renderBlocks(body, false)}</blockquote>`, next };
}

function renderList(lines, i) {
  const first = LIST_ITEM.exec(lines[i]);
  const indent = first[1].length;
  const ordered = /\d/.test(first[2]);
  const delimiter = first[2].slice(-1);
  const sameList = (match) =>
    match && match[1].length === indent && /\d/.test(match[2]) === ordered && match[2].slice(-1) === delimiter;
  const items = [];
  let loose = false;
  let next = i;
  while (next < lines.length) {
    const line = lines[next];
    const match = LIST_ITEM.exec(line);
    if (sameList(match) && !RULE.test(line)) {
      items.push([match[3] ?? '']);
      next++;
    } else if (isBlank(line)) {
      let ahead = next;
      while (ahead < lines.length && isBlank(lines[ahead])) ahead++;
      if (ahead >= lines.length) break;
      if (indentOf(lines[ahead]) <= indent && !sameList(LIST_ITEM.exec(lines[ahead]))) break;
      loose = true;
      for (; next < ahead; next++) items[items.length - 1].push('');
    } else if (indentOf(line) > indent) {
      items[items.length - 1].push(line.slice(Math.min(indentOf(line), indent + first[2].length + 1)));
      next++;
    } else if (!isBlank(lines[next - 1]) && !startsBlock(lines, next)) {
      items[items.length - 1].push(line.trim());
      next++;
    } else {
      break;
    }
  }
  const start = ordered ? parseInt(first[2], 10) : 1;
  const tag = ordered ? 'ol' : 'ul';
  const startAttr = ordered && start !== 1 ? ` start="${start}"` : '';
  const body = items.map((item) => `<li>${renderBlocks(item, !loose)}</li>`).join('');
  return { html: `<${tag}${startAttr}>${body}</${tag}>`, next };
}

function renderParagraph(lines, i, tight) {
  const body = [lines[i].replace(/^[ \t]+/, '')];
  let next = i + 1;
  let heading = null;
  while (next < lines.length && !isBlank(lines[next])) {
    if (/^ {0,3}=+[ \t]*$/.test(lines[next])) heading = 'h1';
    else if (/^ {0,3}-+[ \t]*$/.test(lines[next])) heading = 'h2';
    if (heading) {
      next++;
      break;
    }
    if (startsBlock(lines, next)) break;
    body.push(lines[next].replace(/^[ \t]+/, ''));
    next++;
  }
  const inline = renderInline(body.join('\n').replace(/[ \t]+$/, ''));
  if (heading) return { html: `<${heading}>${inline}</${heading}>`, next };
  return { html: tight ? inline : `<p>${inline}</p>`, next };
}

/** Renders escaped lines as blocks; `tight` (list items) leaves paragraphs unwrapped. */
function renderBlocks(lines, tight) {
  const html = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    let block;
    if (isBlank(line)) {
      i++;
      continue;
    } else if (FENCE.test(line)) {
      block = renderFence(lines, i);
    } else if (ATX_HEADING.test(line)) {
      const [, hashes, text] = ATX_HEADING.exec(line);
      const level = hashes.length;
      block = { html: `<h${level}>${renderInline(text ?? '')}</h${level}>`, next: i + 1 };
    } else if (RULE.test(line)) {
      block = { html: '<hr>', next: i + 1 };
    } else if (QUOTE.test(line)) {
      block = renderQuote(lines, i);
    } else if (LIST_ITEM.test(line)) {
      block = renderList(lines, i);
    } else if (isTableStart(lines, i)) {
      block = renderTable(lines, i);
    } else {
      block = renderParagraph(lines, i, tight);
    }
    html.push(block.html);
    i = block.next;
  }
  return html.join(tight ? '\n' : '');
}

/** Renders markdown `source` as safe HTML (see the module comment). */
export function renderMarkdown(source) {
  const escaped = escapeHtml(String(source ?? '').replace(/\u0000/g, '').replace(/\r\n?/g, '\n'));
  return renderBlocks(escaped.replace(/\t/g, '    ').split('\n'), false);
}
