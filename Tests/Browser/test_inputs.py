"""2.x inputs in a real browser: changing an input changes the drawn data, in a dist
(precomputed combinations, from file://) and under `visivo serve` (computed on request),
with the input's state in the URL. The project is Tests/Fixtures/format2x, whose insights
the reference CLI's outputs are captured for; the values checked here are the ones its
fixture's data gives (orders in data.sql)."""

from pathlib import Path

import pytest

from conftest import copy_project, dist
from viewer import ViewerPage, assert_clean, console_errors, js

FORMAT2X = Path(__file__).resolve().parents[2] / "Tests" / "Fixtures" / "format2x"


@pytest.fixture
def shop2x(tmp_path):
    return copy_project(FORMAT2X, tmp_path / "shop2x", "data.sql", "shop.db")


def trace(plot, name):
    return next((t for t in plot["data"] or [] if t["name"] == name), None)


def region_orders(vp):
    plot = vp.plot("filtered-chart")
    return trace(plot, "region-orders") if plot else None


def pick_region(page, value):
    page.select('.vz-input[data-input="region-pick"] select', js(value))


def check_input_changes_data(page, vp, shot, label):
    # The defaults: north, at least 50 -> tools 120.5 (data.json).
    first = vp.settle(lambda: region_orders(vp), lambda t: t is not None and t["y"] == [120.5])
    assert first["x"] == ["tools"] and first["y"] == [120.5], first
    options = page.evaluate("""[...document.querySelectorAll('.vz-input[data-input="region-pick"] select option')]
                               .map(o => JSON.parse(o.value))""")
    assert options == ["north", "south", "east", "west", "o'hara"], options

    # south, at least 50 -> garden 80.
    pick_region(page, "south")
    south = vp.settle(lambda: region_orders(vp), lambda t: t is not None and t["y"] == [80])
    assert south["x"] == ["garden"] and south["y"] == [80], south
    assert vp.query().get("input.region-pick") == ['"south"']
    shot(page, f"{label}-south")

    # A value with a quote in it: o'hara -> tools 70.
    pick_region(page, "o'hara")
    ohara = vp.settle(lambda: region_orders(vp), lambda t: t is not None and t["y"] == [70])
    assert ohara["x"] == ["tools"] and ohara["y"] == [70], ohara

    # Back to the default: the key leaves the URL, the built data is drawn again.
    pick_region(page, "north")
    back = vp.settle(lambda: region_orders(vp), lambda t: t is not None and t["y"] == [120.5])
    assert back["y"] == [120.5], back
    assert "input.region-pick" not in vp.query()


def test_input_changes_drawn_data_in_dist(shop2x, page, shot):
    out = dist(shop2x)
    vp = ViewerPage(page)
    base = out.as_uri() + "/"
    vp.open(base + "overview/index.html")
    check_input_changes_data(page, vp, shot, "dist")
    # The state in the URL is the view: opening it again draws o'hara's data.
    vp.open(base + "overview/index.html?input.region-pick=%22o'hara%22")
    reopened = vp.settle(lambda: region_orders(vp), lambda t: t is not None and t["y"] == [70])
    assert reopened["y"] == [70], reopened
    assert_clean(page, base)


def test_input_changes_drawn_data_in_serve(shop2x, serve, page, shot):
    server = serve(shop2x)
    vp = ViewerPage(page)
    vp.open(server.url + "overview/index.html")
    check_input_changes_data(page, vp, shot, "serve")
    asked = [u for u in page.requests if "/_visivo/insight?" in u]
    assert any("region-orders" in u for u in asked), page.requests
    assert console_errors(page) == [], page.errors


def test_other_displays_and_pivot(shop2x, page, shot):
    """Checkboxes, a range slider and the pivot table, on a dist page made for them."""
    yml = shop2x / "project.visivo.yml"
    text = yml.read_text()
    extra = """  - name: Inputs
    rows:
      - height: small
        items:
          - input: ${ref(categories)}
          - input: ${ref(amount-range)}
      - height: medium
        items:
          - chart: ${ref(filtered-chart)}
          - table: ${ref(pivot)}
      - height: 300
        items:
          - rows:
              - height: compact
                items:
                  - markdown: "nested **rows**"
              - height: compact
                items:
                  - input: ${ref(region-pick)}
"""
    yml.write_text(text.rstrip("\n") + "\n" + extra)
    out = dist(shop2x)
    vp = ViewerPage(page)
    vp.open(out.as_uri() + "/inputs/index.html")

    def category_counts():
        plot = vp.plot("filtered-chart")
        t = trace(plot, "category-orders") if plot else None
        return dict(zip(t["x"], t["y"])) if t else None

    # Default: tools and kitchen -> per region counts.
    assert vp.settle(category_counts, lambda c: c == {"east": 2, "north": 2, "o'hara": 1, "south": 1, "west": 1}) == \
        {"east": 2, "north": 2, "o'hara": 1, "south": 1, "west": 1}
    page.click('.vz-input[data-input="categories"] input[type=checkbox][value=' + js(js("tools")) + ']')
    only_kitchen = vp.settle(category_counts, lambda c: c == {"east": 1, "north": 1, "west": 1})
    assert only_kitchen == {"east": 1, "north": 1, "west": 1}, only_kitchen

    def range_points():
        plot = vp.plot("filtered-chart")
        t = trace(plot, "range-orders") if plot else None
        return t["y"] if t else None

    # Default 50..150; move the end to 300: the 300 order shows up.
    assert vp.settle(range_points, lambda y: sorted(y) == [60, 70, 80, 99.99, 120.5]) is not None
    page.evaluate("""(() => { const end = document.querySelector('.vz-input[data-input="amount-range"] .vz-range-end');
                      end.value = String(end.max); end.dispatchEvent(new Event('change')); })()""")
    wide = vp.settle(range_points, lambda y: 300 in y)
    assert sorted(wide) == [60, 70, 80, 99.99, 120.5, 300], wide

    # An item holding rows of its own: its markdown and input are drawn inside it.
    nested = page.evaluate("""(() => { const box = document.querySelector('.vz-item[data-kind=rows]');
        return box ? {markdown: box.querySelector('.vz-markdown').textContent.trim(),
                      input: !!box.querySelector('.vz-input[data-input="region-pick"] select'),
                      height: Math.round(box.closest('.vz-row').getBoundingClientRect().height)} : null; })()""")
    assert nested == {"markdown": "nested rows", "input": True, "height": 300}, nested

    table = vp.table("pivot")
    assert table["headers"][0] == "region" and set(table["headers"][1:]) == {"tools", "garden", "kitchen"}, table
    rows = {r[0]: r[1:] for r in table["rows"]}
    assert set(rows) == {"east", "north", "o'hara", "south", "west"}
    shot(page, "inputs")
    assert console_errors(page) == [], page.errors
