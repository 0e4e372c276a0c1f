// Building DOM nodes: one helper, `h`, instead of strings of HTML (text always goes
// in as text nodes). Used by the page modules; touches `document` only when called.

/**
 * Creates an element. `props`: `className`, `dataset` (object; null/undefined values
 * skipped), `on` (event name -> handler); any other key is an attribute (skipped when
 * null, undefined or false; true gives an empty attribute). Children: nodes, strings
 * (text), arrays, or null/false (skipped).
 */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'className') node.className = value;
    else if (key === 'dataset') {
      for (const [name, data] of Object.entries(value)) {
        if (data !== null && data !== undefined) node.dataset[name] = data;
      }
    } else if (key === 'on') {
      for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    } else node.setAttribute(key, value === true ? '' : String(value));
  }
  appendChildren(node, children);
  return node;
}

function appendChildren(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) appendChildren(node, child);
    else node.append(child instanceof Node ? child : String(child));
  }
}

/** A card's error box (`.vz-error`), read out by screen readers. */
export function errorBox(message) {
  return h('div', { className: 'vz-error', role: 'alert' }, message);
}
