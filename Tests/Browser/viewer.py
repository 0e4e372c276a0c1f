"""Reading a visivo page in the browser: the DOM hooks the viewer exposes, in one place.

    .vz-item[data-kind=chart|table|markdown|selector|empty][data-name=<name>]   an item box
    .vz-plot                      plotly's graph div (gd): gd.data, gd.layout, its SVG
    .vz-empty / .vz-error         "no data" note / an error box naming the trace
    .vz-selector[data-selector=<name>]  checkboxes (multiple) or a <select> (single)
    table.vz-table th[data-key]   a table; span.vz-page "1 / 3", button.vz-next
    .vz-markdown                  rendered markdown
    a.vz-dashboard-link           the project page's links
    #vz-overlay .vz-diagnostic    the live-reload error overlay
    <html data-visivo-version>    set after every draw
"""

import json
import re
import time
from urllib.parse import parse_qs, urlsplit


def js(value):
    """A Python value as a JS literal."""
    return json.dumps(value)


def item_selector(kind, name):
    return f'.vz-item[data-kind="{kind}"][data-name={js(name)}]'


# Everything a test checks about one chart: plotly's own data and what it drew.
_PLOT = """((selector) => {
  const item = document.querySelector(selector);
  if (!item) return null;
  const gd = item.querySelector('.vz-plot');
  const r = item.getBoundingClientRect();
  const pick = (t) => ({
    type: t.type, name: t.name, mode: t.mode, visible: t.visible,
    x: t.x, y: t.y, z: t.z, labels: t.labels, values: t.values, text: t.text,
    marker: t.marker ? {color: t.marker.color, size: t.marker.size} : null,
  });
  const count = (css) => gd ? gd.querySelectorAll(css).length : 0;
  const shown = (el) => el && el.getClientRects().length > 0 &&
                        getComputedStyle(el).visibility !== 'hidden';
  return {
    data: gd && gd.data ? gd.data.map(pick) : null,
    layout: gd && gd.layout ? {title: gd.layout.title && gd.layout.title.text,
                               barmode: gd.layout.barmode} : null,
    drawnTitle: gd && gd.querySelector('.gtitle') ? gd.querySelector('.gtitle').textContent : null,
    bars: count('.barlayer .trace .point path'),
    markers: count('.scatterlayer .trace .points path.point'),
    lines: count('.scatterlayer .trace path.js-line'),
    slices: count('.pielayer .trace .slice'),
    heatmaps: count('.heatmaplayer .hm image'),
    empty: [...item.querySelectorAll('.vz-empty')].filter(shown).map(e => e.textContent),
    errors: [...item.querySelectorAll('.vz-error')].filter(shown).map(e => e.textContent),
    shown: shown(item),
    box: {left: r.left, top: r.top, width: r.width, height: r.height},
  };
})"""

_TABLE = """((selector) => {
  const item = document.querySelector(selector);
  if (!item) return null;
  const text = (el) => el ? el.textContent.trim() : null;
  return {
    headers: [...item.querySelectorAll('table.vz-table thead th')].map(th =>
                 th.querySelector('span') ? th.querySelector('span').textContent.trim() : text(th)),
    keys: [...item.querySelectorAll('table.vz-table thead th')].map(th => th.dataset.key),
    rows: [...item.querySelectorAll('table.vz-table tbody tr')].map(tr =>
              [...tr.querySelectorAll('td')].map(text)),
    page: text(item.querySelector('.vz-page')),
  };
})"""


class ViewerPage:
    """A cdp.Page showing a visivo site, with readers for its items."""

    def __init__(self, page):
        self.page = page

    # MARK: - loading

    def open(self, url, timeout=20):
        self.page.navigate(url)
        return self.wait_drawn(timeout)

    def wait_drawn(self, timeout=20):
        """Wait for the viewer's first draw (``data-visivo-version``); return the version."""
        return self.page.wait_for("document.documentElement.dataset.visivoVersion",
                                  timeout=timeout, message="the viewer never finished drawing")

    def project(self):
        return self.page.evaluate("window.VISIVO_PROJECT")

    def data_file(self, trace):
        """The loaded data of a trace (what its data script put in window.VISIVO_DATA)."""
        return self.page.evaluate(f"""(() => {{
            const entry = window.VISIVO_PROJECT.traces[{js(trace)}];
            return (window.VISIVO_DATA || {{}})[entry.data] ?? null;
        }})()""")

    def query(self):
        """The page's URL query as {key: [values]}."""
        return parse_qs(urlsplit(self.page.evaluate("location.href")).query)

    # MARK: - reading items

    def plot(self, chart):
        return self.page.evaluate(f"{_PLOT}({js(item_selector('chart', chart))})")

    def table(self, name):
        return self.page.evaluate(f"{_TABLE}({js(item_selector('table', name))})")

    def settle(self, read, done, timeout=10):
        """Call ``read()`` until ``done(value)`` holds or ``timeout`` passes; return the
        last value either way: the caller asserts on it, so a failure shows real values."""
        deadline = time.monotonic() + timeout
        while True:
            value = read()
            if (value is not None and done(value)) or time.monotonic() > deadline:
                return value
            time.sleep(0.1)

    def wait_plot(self, chart, traces, timeout=10):
        """The chart once plotly holds ``traces`` traces (or after ``timeout``)."""
        return self.settle(lambda: self.plot(chart),
                           lambda p: p["data"] is not None and len(p["data"]) == traces, timeout)

    def item_boxes(self):
        """Every shown item box: kind, name and its rectangle."""
        return self.page.evaluate("""[...document.querySelectorAll('.vz-item')]
            .filter(el => el.getClientRects().length > 0)
            .map(el => { const r = el.getBoundingClientRect();
                         return {kind: el.dataset.kind, name: el.dataset.name ?? null,
                                 left: Math.round(r.left), top: Math.round(r.top),
                                 width: Math.round(r.width), height: Math.round(r.height)}; })""")

    def is_shown(self, css):
        return self.page.evaluate(f"""(() => {{
            const el = document.querySelector({js(css)});
            return !!el && el.getClientRects().length > 0;
        }})()""")

    # MARK: - selectors

    def selector_state(self, name):
        """{'type': 'multiple', 'options': [...], 'checked': [...]} or single's value."""
        return self.page.evaluate(f"""(() => {{
            const el = document.querySelector('.vz-selector[data-selector=' + CSS.escape({js(name)}) + ']');
            if (!el) return null;
            const select = el.querySelector('select');
            if (select) return {{type: 'single', options: [...select.options].map(o => o.value),
                                 value: select.value}};
            const boxes = [...el.querySelectorAll('input[type=checkbox]')];
            return {{type: 'multiple', options: boxes.map(b => b.value),
                     checked: boxes.filter(b => b.checked).map(b => b.value)}};
        }})()""")

    def toggle(self, selector, option):
        """Click the checkbox of ``option`` in the multiple selector ``selector``."""
        self.page.click(f'.vz-selector[data-selector={js(selector)}] input[type=checkbox][value={js(option)}]')

    def choose(self, selector, option):
        """Pick ``option`` in the single selector ``selector``."""
        self.page.select(f'.vz-selector[data-selector={js(selector)}] select', option)


# MARK: - console


def console_errors(page):
    """The page's console errors, less Chromium's own /favicon.ico probe: whether it is
    made before a test ends is chance, so test_serve.py::test_favicon checks it once."""
    return [e for e in page.errors if not re.search(r"/favicon\.ico$", e)]


def assert_clean(page, base):
    """No console error or exception, and nothing requested outside the site."""
    assert console_errors(page) == [], f"console errors: {page.errors}"
    outside = [u for u in page.requests if not (u.startswith(base) or u.startswith("data:"))]
    assert outside == [], f"requests outside {base}: {outside}"
