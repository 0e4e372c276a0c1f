"""`visivo serve` with a page open: an editor-style save (write a new file, rename it over
the old one) redraws the open page in place with the new data, keeping the selectors; a
broken project shows its diagnostics over the last good drawing; fixing it removes them;
Ctrl-C stops the server.
"""

import os
import time

import urllib.error
import urllib.request

import expected
from viewer import ViewerPage, console_errors

PROJECT_FILE = "project.visivo.yml"


def save_like_an_editor(path, text):
    """Write ``text`` to a new file beside ``path`` and rename it over ``path``."""
    scratch = path.with_name(f".{path.name}.swp")
    scratch.write_text(text)
    os.rename(scratch, path)


def version(page):
    return page.evaluate("document.documentElement.dataset.visivoVersion")


def test_live_reload(every_item, serve, page, shot):
    server = serve(every_item)
    vp = ViewerPage(page)
    want = expected.every_item(every_item)
    regions = want["regions"]

    page.navigate(server.url + "index.html")
    project = page.wait_for("window.VISIVO_PROJECT", message="project.js did not load")
    path = next(d["path"] for d in project["dashboards"] if d["name"] == "every item")
    vp.open(server.url + path + "index.html")
    assert page.evaluate("window.VISIVO_PAGE.live") is True
    before = version(page)
    bar = vp.wait_plot("bar chart", len(regions))
    assert sorted(t["name"] for t in bar["data"]) == regions

    # Selector state to keep: one region unchecked (it lives in the URL query).
    dropped = regions[-1]
    kept = [r for r in regions if r != dropped]
    vp.toggle("regions", dropped)
    assert len(vp.wait_plot("bar chart", len(kept))["data"]) == len(kept)
    url = page.evaluate("location.href")
    page.evaluate("window.__notReloaded = 'marker set before the edit'")
    shot(page, "before-edit")

    # 1. An edit of the trace: y becomes ten times the units.
    yml = every_item / PROJECT_FILE
    original = yml.read_text()
    old, new = "      y: query(sum(units))\n    order_by:\n      - query(product asc)", \
               "      y: query(sum(units) * 10)\n    order_by:\n      - query(product asc)"
    assert original.count(old) == 1
    save_like_an_editor(yml, original.replace(old, new))
    page.wait_for(f"document.documentElement.dataset.visivoVersion !== {before!r}", timeout=15,
                  message="the page never drew a new version after the edit; server output:\n"
                  + server.log())
    tenfold = {r: (xs, [10 * y for y in ys]) for r, (xs, ys) in want["units by region"].items()
               if r in kept}
    bar = vp.settle(lambda: vp.plot("bar chart"),
                    lambda p: sorted(t["name"] for t in p["data"]) == kept and all(
                        t["y"] == tenfold[t["name"]][1] for t in p["data"]), timeout=10)
    assert sorted(t["name"] for t in bar["data"]) == kept, "the selector's state was lost"
    for trace in bar["data"]:
        assert (trace["x"], trace["y"]) == (tenfold[trace["name"]][0], tenfold[trace["name"]][1])
    assert page.evaluate("window.__notReloaded") == "marker set before the edit", \
        "the page was reloaded instead of redrawn in place"
    assert page.evaluate("location.href") == url
    assert sorted(vp.selector_state("regions")["checked"]) == kept
    edited = version(page)
    shot(page, "after-edit")

    # 2. A broken project: an unknown key. The overlay names file:line:column; the last
    #    good drawing stays behind it.
    good = yml.read_text()
    anchor = "  - name: bar chart\n"
    broken = good.replace(anchor, anchor + "    colour: red\n")
    line = broken.splitlines().index("    colour: red") + 1
    column = len("    ") + 1
    save_like_an_editor(yml, broken)
    diagnostics = page.wait_for(
        "[...document.querySelectorAll('#vz-overlay .vz-diagnostic')].map(e => e.textContent)",
        timeout=15, message="no error overlay after breaking the project; server output:\n"
        + server.log())
    assert any(f"{PROJECT_FILE}:{line}:{column}" in d for d in diagnostics), diagnostics
    assert any("colour" in d for d in diagnostics), diagnostics
    assert vp.is_shown("#vz-overlay")
    bar = vp.plot("bar chart")
    assert bar["shown"] and sorted(t["name"] for t in bar["data"]) == kept
    assert all(t["y"] == tenfold[t["name"]][1] for t in bar["data"])
    assert bar["bars"] == sum(len(tenfold[r][0]) for r in kept)
    assert version(page) == edited
    shot(page, "overlay")

    # 3. Fixed again: the overlay goes away, the drawing is still the good one.
    save_like_an_editor(yml, good)
    page.wait_for("!document.querySelector('#vz-overlay')", timeout=15,
                  message="the overlay stayed after the project was fixed; server output:\n"
                  + server.log())
    bar = vp.wait_plot("bar chart", len(kept))
    assert all(t["y"] == tenfold[t["name"]][1] for t in bar["data"])
    assert page.evaluate("window.__notReloaded") == "marker set before the edit"
    assert console_errors(page) == [], f"console errors: {page.errors}"
    shot(page, "fixed")

    # 4. Ctrl-C stops the server within a few seconds.
    started = time.monotonic()
    status = server.stop(timeout=5)
    assert status in (0, 130), f"visivo serve exited {status} on SIGINT; output:\n{server.log()}"
    assert time.monotonic() - started < 5


def test_favicon(every_item, serve, page):
    """Browsers ask a server for /favicon.ico unless the page names an icon; a 404 there
    is a red line in the console of every page `visivo serve` shows."""
    server = serve(every_item)
    page.navigate(server.url + "index.html")
    page.wait_for("document.documentElement.dataset.visivoVersion")
    declared = page.evaluate("[...document.querySelectorAll('link[rel~=icon]')].map(l => l.href)")
    try:
        status = urllib.request.urlopen(server.url + "favicon.ico", timeout=5).status
    except urllib.error.HTTPError as error:
        status = error.code
    assert declared or status < 400, (
        f"the page names no icon and GET /favicon.ico answers {status}")
