"""The viewer in a real browser, on a `visivo dist` folder opened from file:// and on
`visivo serve`: what plotly holds and draws, tables, selectors, markdown, the project
page, the narrow layout, and the dist's relative addresses.

Expected values come from the SQLite data through expected.py, never from the page.
"""

import math
import os
import re

import pytest

import expected
from conftest import DOC_IMAGES, dist, run_visivo  # noqa: F401
from viewer import ViewerPage, assert_clean, item_selector

# Dashboards, charts and tables by the names the fixtures give them (inputs, not output).
QS_OVERVIEW, QS_TARGETS = "sales overview", "sales targets"
EVERY, SECOND = "every item", "second board"


@pytest.fixture(params=["dist", "serve"])
def site(request, serve):
    """``site(project, ok)`` -> the base address of the project's site, built either by
    `visivo dist` (a file:// address) or by `visivo serve` (http://127.0.0.1:PORT/)."""

    def make(project, ok=(0,)):
        if request.param == "dist":
            return (dist(project, ok=ok).as_uri() + "/")
        return serve(project).url

    make.kind = request.param
    return make


def dashboard_url(vp, base, name):
    """A dashboard's address from project.js (read on the project page)."""
    vp.page.navigate(base + "index.html")
    project = vp.page.wait_for("window.VISIVO_PROJECT", message="project.js did not load")
    paths = {d["name"]: d["path"] for d in project["dashboards"]}
    assert name in paths, f"no dashboard {name!r} in project.js: {sorted(paths)}"
    return base + paths[name] + "index.html"


def assert_cohort_traces(traces, cohorts, trace_type, mode=None, tolerance=1e-9):
    """One plotly trace per cohort, each with the cohort's (x, y) in order."""
    assert sorted(t["name"] for t in traces) == sorted(cohorts), (
        f"trace names {[t['name'] for t in traces]} != cohorts {sorted(cohorts)}")
    for trace in traces:
        xs, ys = cohorts[trace["name"]][:2]
        assert trace["type"] == trace_type, trace
        if mode:
            assert trace["mode"] == mode, trace
        assert trace["x"] == list(xs), f"{trace['name']}: x {trace['x']} != {xs}"
        assert trace["y"] == pytest.approx(list(ys), abs=tolerance), (
            f"{trace['name']}: y {trace['y']} != {ys}")


# MARK: - quickstart


def test_quickstart(quickstart, site, page, shot):
    base = site(quickstart)
    vp = ViewerPage(page)
    want = expected.quickstart(quickstart)

    # The project page lists both dashboards, and each link opens its dashboard.
    vp.page.navigate(base + "index.html")
    links = page.wait_for("""(() => { const a = [...document.querySelectorAll('a.vz-dashboard-link')];
        return a.length && a.map(l => ({name: l.querySelector('.vz-dashboard-name').textContent,
                                        href: l.href})); })()""", message="no dashboard links")
    assert [link["name"] for link in links] == [QS_OVERVIEW, QS_TARGETS]
    shot(page, "project-page")
    page.click_and_wait_load("a.vz-dashboard-link")
    vp.page.wait_for(f"window.VISIVO_PAGE && window.VISIVO_PAGE.dashboard === {QS_OVERVIEW!r}",
                     message="the first link did not open 'sales overview'")
    assert page.evaluate("location.href") == links[0]["href"]

    # sales overview: a markdown heading, a stacked bar per region, one pie.
    vp.wait_drawn()
    assert page.evaluate("document.querySelector('.vz-markdown h1').textContent") == "Sales overview"
    revenue = vp.wait_plot("revenue chart", len(want["revenue by month"]))
    assert_cohort_traces(revenue["data"], want["revenue by month"], "bar")
    assert revenue["layout"] == {"title": "Revenue by month", "barmode": "stack"}
    assert revenue["drawnTitle"] == "Revenue by month"
    assert revenue["bars"] == sum(len(xs) for xs, _ in want["revenue by month"].values())

    channels = vp.wait_plot("channel chart", 1)
    (pie,) = channels["data"]
    assert pie["type"] == "pie" and pie["name"] == "orders by channel"
    assert dict(zip(pie["labels"], pie["values"])) == want["orders by channel"]["orders by channel"]
    assert channels["slices"] == len(want["orders by channel"]["orders by channel"])
    assert_clean(page, base)
    shot(page, "sales-overview")
    doc_screenshot(page, site.kind, "sales-overview/")

    # Its region selector: unchecking a region removes that bar trace; a reload keeps it.
    regions = sorted(want["revenue by month"])
    vp.toggle("region", regions[0])
    revenue = vp.wait_plot("revenue chart", len(regions) - 1)
    assert sorted(t["name"] for t in revenue["data"]) == regions[1:]
    assert vp.query().get("region") == [",".join(
        r for r in vp.selector_state("region")["options"] if r != regions[0])]
    page.reload()
    vp.wait_drawn()
    assert sorted(t["name"] for t in vp.wait_plot("revenue chart", len(regions) - 1)["data"]) \
        == regions[1:]
    assert len(vp.wait_plot("channel chart", 1)["data"]) == 1  # a pie of no cohort_on: no selector

    # sales targets: eight scatter traces (two traces x four regions), a bar and a table.
    page.navigate(links[1]["href"])
    vp.wait_drawn()
    target = vp.wait_plot("target chart", 8)
    data = target["data"]
    actual, monthly = data[:4], data[4:]  # a chart's traces in order, each trace's cohorts
    assert_cohort_traces(actual, want["revenue vs target"], "scatter", mode="lines+markers")
    for trace in actual:
        assert trace["text"] == want["revenue vs target"][trace["name"]][2], trace
    assert_cohort_traces(monthly, want["monthly target"], "scatter")
    assert target["drawnTitle"] == "Revenue against target"
    assert target["markers"] == 32  # 8 traces x 4 months (plotly's default mode has markers)

    segments = vp.wait_plot("segment chart", 1)
    assert_cohort_traces(segments["data"], want["revenue by segment"], "bar")
    assert segments["bars"] == len(want["revenue by segment"]["revenue by segment"][0])

    table = vp.table("segment table")
    names, totals = want["revenue by segment"]["revenue by segment"]
    assert table["headers"] == ["Segment", "Revenue"]  # the quickstart's column_defs
    assert [row[0] for row in table["rows"]] == names
    assert [float(row[1].replace(",", "")) for row in table["rows"]] == pytest.approx(totals)
    assert_clean(page, base)
    shot(page, "sales-targets", full_page=True)
    doc_screenshot(page, site.kind, "sales-targets/")


def doc_screenshot(page, kind, path):
    """With VISIVO_DOC_SCREENSHOTS=1: docs/images/quickstart-<path>.png at 1400x900
    (from the dist run only, so one run writes each image once)."""
    if os.environ.get("VISIVO_DOC_SCREENSHOTS") != "1" or kind != "dist":
        return
    assert (page.width, page.height) == (1400, 900)
    DOC_IMAGES.mkdir(parents=True, exist_ok=True)
    page.screenshot(str(DOC_IMAGES / f"quickstart-{path.strip('/')}.png"))


# MARK: - every-item: drawing


def open_every_item(vp, base, query=""):
    url = dashboard_url(vp, base, EVERY) + query
    vp.open(url)
    return url


def test_every_item_draws(every_item, site, page, shot):
    base = site(every_item, ok=(0, 1))  # one trace fails on purpose: the build says so
    vp = ViewerPage(page)
    want = expected.every_item(every_item)
    open_every_item(vp, base)

    # A grouped bar per region, products in order.
    bar = vp.wait_plot("bar chart", len(want["regions"]))
    assert_cohort_traces(bar["data"], want["units by region"], "bar")
    assert bar["layout"] == {"title": "Units by product", "barmode": "group"}
    assert bar["drawnTitle"] == "Units by product"
    assert bar["bars"] == sum(len(xs) for xs, _ in want["units by region"].values())

    # A single selector: only the first cohort of the data file (its default) is drawn,
    # with column(day)[1:] / column(units)[1:] (slices), column(day) whole, column(colour)[0].
    first = next(iter(vp.data_file("units by day")))
    line = vp.wait_plot("line chart", 1)
    (trace,) = line["data"]
    cohort = want["units by day"][first]
    assert trace["name"] == first and trace["type"] == "scatter" and trace["mode"] == "lines+markers"
    assert trace["x"] == cohort["x"] and trace["y"] == cohort["y"]
    assert trace["text"] == cohort["text"]
    assert trace["marker"] == {"color": cohort["color"], "size": 9}
    assert line["markers"] == len(cohort["x"]) and line["lines"] == 1

    pie = vp.wait_plot("pie chart", 1)
    assert dict(zip(pie["data"][0]["labels"], pie["data"][0]["values"])) == want["units by product"]
    assert pie["slices"] == len(want["units by product"])

    heat = vp.wait_plot("heatmap chart", 1)
    (trace,) = heat["data"]
    assert trace["type"] == "heatmap"
    assert (trace["x"], trace["y"], trace["z"]) == (
        want["units heatmap"]["x"], want["units heatmap"]["y"], want["units heatmap"]["z"])
    assert heat["heatmaps"] == 1

    # `{}` data: an empty chart with its title and a "no data" note, no error.
    empty = vp.wait_plot("empty chart", 0)
    assert vp.data_file("no rows") == {}
    assert empty["data"] == [] and len(empty["empty"]) == 1 and empty["errors"] == []
    assert empty["drawnTitle"] == "Nothing here"

    # A failed trace: an error box in its card that names it.
    broken = vp.settle(lambda: vp.plot("broken chart"), lambda p: p["errors"])
    assert len(broken["errors"]) == 1 and "broken trace" in broken["errors"][0], broken["errors"]
    assert broken["empty"] == []

    assert_clean(page, base)
    shot(page, "dashboard", full_page=True)


def test_every_item_markdown(every_item, site, page, shot):
    base = site(every_item, ok=(0, 1))
    vp = ViewerPage(page)
    open_every_item(vp, base)
    md = page.evaluate("""(() => { const m = document.querySelector('.vz-markdown');
        return {h1: [...m.querySelectorAll('h1')].map(e => e.textContent),
                strong: [...m.querySelectorAll('strong')].map(e => e.textContent),
                li: [...m.querySelectorAll('ul > li')].map(e => e.textContent),
                th: [...m.querySelectorAll('table th')].map(e => e.textContent.trim()),
                td: [...m.querySelectorAll('table tbody tr')].map(r =>
                        [...r.querySelectorAll('td')].map(e => e.textContent.trim())),
                links: [...m.querySelectorAll('a')].map(a => [a.textContent, a.getAttribute('href')]),
                elements: [...m.querySelectorAll('script, img, iframe, [onerror]')].length,
                text: m.textContent}; })()""")
    assert md["h1"] == ["Every item"]
    assert md["strong"] == ["bold"]
    assert md["li"] == ["first point", "second point"]
    assert md["th"] == ["fruit", "units"]
    assert md["td"] == [["apples", "26"], ["pears", "28"]]
    assert md["links"] == [["link to the docs", "https://example.com/docs"]]
    # The project's HTML shows as text and never runs.
    assert md["elements"] == 0
    assert "<script>window.__pwned = true;</script>" in md["text"]
    assert '<img src="nowhere.png"' in md["text"]
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert not [u for u in page.requests if "nowhere.png" in u]
    assert_clean(page, base)
    shot(page, "markdown")


# MARK: - every-item: table


def test_every_item_table(every_item, site, page, shot):
    base = site(every_item, ok=(0, 1))
    vp = ViewerPage(page)
    rows = [[str(u), d, r] for u, d, r in expected.every_item(every_item)["sales rows"]]
    pages = math.ceil(len(rows) / 3)
    open_every_item(vp, base)

    table = vp.settle(lambda: vp.table("sales table"), lambda t: t["rows"])
    assert table["headers"] == ["Units", "Day", "Region"]
    assert table["rows"] == rows[:3]
    assert table["page"] == f"1 / {pages}"

    page.click(item_selector("table", "sales table") + " button.vz-next")
    table = vp.settle(lambda: vp.table("sales table"), lambda t: t["page"] != f"1 / {pages}")
    assert table["page"] == f"2 / {pages}"
    assert table["rows"] == rows[3:6]
    shot(page, "page-2")

    # Sorting by the first column sorts the whole table (back on page 1); again reverses.
    units = sorted(int(r[0]) for r in rows)
    th = item_selector("table", "sales table") + ' th[data-key="columns.units"]'
    page.click(th)
    first = vp.table("sales table")
    seen = [int(r[0]) for r in first["rows"]]
    assert first["page"] == f"1 / {pages}"
    assert seen in (units[:3], units[::-1][:3]), f"first column after a sort: {seen}"
    page.click(th)
    second = [int(r[0]) for r in vp.table("sales table")["rows"]]
    other = units[::-1][:3] if seen == units[:3] else units[:3]
    assert second == other, f"sorting again should reverse: {second} after {seen}"
    assert_clean(page, base)
    shot(page, "sorted")


# MARK: - every-item: selectors


def test_every_item_selectors(every_item, site, page, shot):
    base = site(every_item, ok=(0, 1))
    vp = ViewerPage(page)
    want = expected.every_item(every_item)
    regions = want["regions"]
    url = open_every_item(vp, base)

    # Multiple selector over the bar chart's cohorts: unchecking one hides its trace.
    state = vp.selector_state("regions")
    assert state["type"] == "multiple"
    assert sorted(state["options"]) == regions and sorted(state["checked"]) == regions
    dropped = regions[0]
    vp.toggle("regions", dropped)
    kept = [r for r in regions if r != dropped]
    bar = vp.wait_plot("bar chart", len(kept))
    assert sorted(t["name"] for t in bar["data"]) == kept
    assert sorted(",".join(vp.query().get("regions", [])).split(",")) == kept

    # Single selector: another region redraws the line chart with that region's data.
    first = next(iter(vp.data_file("units by day")))
    other = next(r for r in regions if r != first)
    assert vp.selector_state("one region")["value"] == first
    vp.choose("one region", other)
    line = vp.settle(lambda: vp.plot("line chart"), lambda p: p["data"][0]["name"] == other)
    assert [t["name"] for t in line["data"]] == [other]
    assert line["data"][0]["y"] == want["units by day"][other]["y"]
    assert vp.query().get("one region") == [other]

    # A selector over named rows/items: unchecking hides them.
    pie_row = '.vz-row[data-name="pie row"]'
    heat_item = item_selector("chart", "heatmap chart")
    assert vp.is_shown(pie_row) and vp.is_shown(heat_item)
    vp.toggle("sections", "heatmap item")
    assert vp.settle(lambda: not vp.is_shown(heat_item), bool, 5), "heatmap item still shown"
    assert vp.is_shown(item_selector("chart", "pie chart"))
    vp.toggle("sections", "pie row")
    assert vp.settle(lambda: not vp.is_shown(pie_row), bool, 5), "pie row still shown"
    assert vp.query().get("sections") == ["NoCohorts"]
    shot(page, "selected", full_page=True)

    # The state is in the URL: a reload (and a fresh visit of the URL) keeps all of it.
    changed = page.evaluate("location.href")
    assert changed != url
    for reopen in (page.reload, lambda: page.navigate(changed)):
        reopen()
        vp.wait_drawn()
        bar = vp.wait_plot("bar chart", len(kept))
        assert sorted(t["name"] for t in bar["data"]) == kept
        assert sorted(vp.selector_state("regions")["checked"]) == kept
        assert [t["name"] for t in vp.plot("line chart")["data"]] == [other]
        assert vp.selector_state("one region")["value"] == other
        assert not vp.is_shown(pie_row) and not vp.is_shown(heat_item)
    assert_clean(page, base)
    shot(page, "reloaded", full_page=True)


# MARK: - every-item: pages and layout


def test_project_page_and_links(every_item, site, page, shot):
    base = site(every_item, ok=(0, 1))
    vp = ViewerPage(page)
    page.navigate(base + "index.html")
    page.wait_for("document.querySelectorAll('a.vz-dashboard-link').length > 0",
                  message="the project page lists no dashboards")
    names = page.evaluate("[...document.querySelectorAll('a.vz-dashboard-link .vz-dashboard-name')]"
                          ".map(e => e.textContent)")
    assert names == [EVERY, SECOND]
    shot(page, "project-page")
    for index, name in enumerate(names):
        page.navigate(base + "index.html")
        page.wait_for("document.querySelectorAll('a.vz-dashboard-link').length == 2")
        page.click_and_wait_load(f"li:nth-child({index + 1}) > a.vz-dashboard-link")
        page.wait_for(f"window.VISIVO_PAGE && window.VISIVO_PAGE.dashboard === {name!r}",
                      message=f"the link to {name!r} did not open it")
        vp.wait_drawn()
        if name == SECOND:  # no rows: a notice, and a way back
            text = page.wait_for("document.querySelector('.vz-notice')?.textContent")
            assert SECOND in text
        else:
            assert vp.wait_plot("bar chart", 3)["data"]
        shot(page, f"link-{index + 1}")
    assert_clean(page, base)


def test_narrow_window_stacks_items(every_item, site, page, shot):
    base = site(every_item, ok=(0, 1))
    vp = ViewerPage(page)
    page.set_viewport(800, 900)
    open_every_item(vp, base)
    vp.wait_plot("bar chart", 3)
    boxes = vp.item_boxes()
    assert len(boxes) >= 8, boxes
    lefts = {box["left"] for box in boxes}
    assert len(lefts) == 1, f"items do not stack at 800px (left edges {sorted(lefts)}): {boxes}"
    tops = [box["top"] for box in boxes]
    assert tops == sorted(tops) and len(set(tops)) == len(tops), f"items overlap: {boxes}"
    # and the plots were sized to the column
    width = vp.plot("bar chart")["box"]["width"]
    assert width <= 800
    assert_clean(page, base)
    shot(page, "800px", full_page=True)

    page.set_viewport(1400, 900)  # wide again: the first row's items side by side
    page.wait_for("""(() => { const r = document.querySelector('.vz-row');
        const items = [...r.querySelectorAll(':scope > .vz-item')].map(e => e.getBoundingClientRect().left);
        return new Set(items).size === items.length && items.length > 1; })()""",
                  message="items of a row should sit side by side at 1400px")


# MARK: - the dist folder itself


# XML namespace names are identifiers, never fetched.
NAMESPACES = re.compile(r"http://www\.w3\.org/(2000/svg|1999/xhtml|1999/xlink|2000/xmlns/?)")
ABSOLUTE = re.compile(r"""(?:src|href)\s*=\s*["']/|url\(\s*["']?/|https?://[^\s"'<>)]*""")


def test_dist_files_are_relative(quickstart, every_item):
    for project in (quickstart, every_item):
        out = dist(project, ok=(0, 1))
        listed = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
        for name in ("index.html", "project.js", "assets/viewer.js", "assets/viewer.css",
                     "assets/plotly.min.js"):
            assert name in listed, f"{out.name} has no {name}: {sorted(listed)}"
        # project content (a markdown link) may hold URLs; the site must add none
        own = "\n".join(p.read_text() for p in project.glob("*.yml"))
        offenders = []
        for path in sorted(out.rglob("*")):
            if not path.is_file() or path.name == "plotly.min.js":
                continue
            text = path.read_text(errors="replace")
            for match in ABSOLUTE.finditer(NAMESPACES.sub("", text)):
                if match.group(0).startswith("http") and match.group(0) in own:
                    continue
                offenders.append(f"{path.relative_to(out)}: {match.group(0)}")
        assert offenders == [], "absolute addresses in the dist:\n" + "\n".join(offenders)
        assert any(n.startswith("data/") and n.endswith(".js") for n in listed)
        pages = [n for n in listed if n.endswith("/index.html")]
        assert len(pages) == 2, pages
