// The simple dashboard items: markdown (rendered by markdown.js, which escapes all
// HTML), a placed selector (a card with the selector's widget) and an empty cell.
// Each has `element` and `update(ctx, item)`, like ChartView and TableView.

import { h } from './dom.js';
import { renderMarkdown } from './markdown.js';
import { SelectorWidget } from './selectorview.js';

export class MarkdownView {
  constructor(item) {
    this.content = h('div', { className: 'vz-markdown' });
    this.element = h(
      'div',
      { className: 'vz-item vz-markdown-item', dataset: { kind: 'markdown', name: item.name ?? undefined } },
      this.content,
    );
    this.source = null;
  }

  update(ctx, item) {
    // A 2.x markdown object's alignment (text) and justification (where in the cell).
    this.element.dataset.align = item.align ?? 'left';
    this.element.dataset.justify = item.justify ?? 'start';
    if (item.markdown === this.source) return;
    this.source = item.markdown;
    // Safe: renderMarkdown escapes every character of the source that HTML would read.
    this.content.innerHTML = renderMarkdown(item.markdown);
  }
}

export class SelectorItemView {
  constructor(item, choose) {
    this.key = item.selector;
    this.widget = new SelectorWidget(item.selector, choose);
    this.element = h(
      'div',
      { className: 'vz-item vz-card vz-selector-item', dataset: { kind: 'selector', name: item.selector } },
      h('div', { className: 'vz-card-head' }, h('h3', { className: 'vz-card-title' }, item.selector)),
      this.widget.element,
    );
  }

  update(ctx) {
    const selector = ctx.selectors.get(this.key);
    this.widget.update(selector, ctx.chosen(this.key));
  }
}

export class EmptyView {
  constructor(item) {
    this.element = h('div', { className: 'vz-item vz-empty-item', dataset: { kind: 'empty', name: item.name ?? undefined } });
  }

  update() {}
}
