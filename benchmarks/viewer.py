#!/usr/bin/env python3
"""The viewer's figures, measured in headless Chromium (Tests/Browser/cdp.py):

- serve, edit to updated page: a one-trace edit saved by rename (a query edit and a
  static-props edit on the quickstart, a static-props edit on the large project), timed from the rename to
  the moment the open page has redrawn with the new data (the page records Date.now()
  when its version changes; the same clock as this script's), on the quickstart and on
  the 10,000-trace benchmark project (benchmarks/generate.py);
- drawing a dashboard of 50 charts of 1,000 points each from a dist over file://;
- a 100,000-point scattergl trace loading and drawing;
- the quickstart dist's size.

usage: viewer.py [--binary .build/release/visivo] [--work /tmp/visivo-bench-viewer] [--large N]
Writes benchmarks/viewer-results.json and prints a Markdown table.
"""
import argparse
import json
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "Tests", "Browser"))
from cdp import Browser  # noqa: E402

# Records when the page's drawn version changes (the viewer sets data-visivo-version after
# each redraw).
WATCH_VERSION = """
(() => {
  window.__updates = [];
  new MutationObserver(() => window.__updates.push([document.documentElement.dataset.visivoVersion, Date.now()]))
    .observe(document.documentElement, {attributes: true, attributeFilter: ['data-visivo-version']});
  return document.documentElement.dataset.visivoVersion;
})()
"""


def serve(binary, project):
    p = subprocess.Popen([binary, "serve", "-p", "0"], cwd=project, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True, start_new_session=True)
    deadline = time.time() + 900
    while time.time() < deadline:
        line = p.stdout.readline()
        m = re.search(r"at (http://127\.0\.0\.1:\d+/)", line or "")
        if m:
            return p, m.group(1)
        if p.poll() is not None:
            raise RuntimeError("visivo serve exited before serving")
    raise RuntimeError("visivo serve did not start")


def stop(p):
    os.killpg(p.pid, signal.SIGINT)
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)


def save_by_rename(path, text):
    with open(path + ".bench-tmp", "w") as f:
        f.write(text)
    os.rename(path + ".bench-tmp", path)


def edit_to_page(browser, binary, project, url_path, edit, runs, check=None):
    """Median and all times (ms) from a rename to the redrawn page, over `runs` edits."""
    p, root = serve(binary, project)
    try:
        page = browser.new_page()
        page.navigate(root + url_path)
        page.wait_for("document.documentElement.dataset.visivoVersion", timeout=120)
        times = []
        for k in range(runs):
            before = page.evaluate(WATCH_VERSION)
            path, text = edit(k)
            t0 = time.time() * 1000
            save_by_rename(path, text)
            page.wait_for(f"window.__updates.some(u => u[0] !== {json.dumps(before)})", timeout=60)
            if check:
                page.wait_for(check(k), timeout=10)
            done = page.evaluate(f"window.__updates.find(u => u[0] !== {json.dumps(before)})[1]")
            times.append(done - t0)
            time.sleep(0.2)
        page.close()
        return {"median_ms": statistics.median(times), "runs_ms": [round(t, 1) for t in times]}
    finally:
        stop(p)


def quickstart(work):
    dst = os.path.join(work, "quickstart")
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(os.path.join(HERE, "..", "examples", "quickstart"), dst,
                    ignore=shutil.ignore_patterns("target", ".visivo", "dist", "*.db"))
    con = sqlite3.connect(os.path.join(dst, "data", "shop.db"))
    con.executescript(open(os.path.join(dst, "data", "shop.sql")).read())
    con.close()
    return dst


def bench_quickstart_edit(browser, binary, work, runs, old, new, check=None):
    """Edits of the quickstart's project file, each replacing `old` by `new(k)`."""
    project = quickstart(work)
    path = os.path.join(project, "project.visivo.yml")
    original = open(path).read()
    assert old in original

    def edit(k):
        return path, original.replace(old, new(k), 1)
    return edit_to_page(browser, binary, project, "sales-overview/index.html", edit, runs, check)


# A query edit: each one scales the revenue trace anew, so its query runs (no cache hit).
QUERY_EDIT = ("y: query(sum(amount))", lambda k: f"y: query(sum(amount) * {k + 2})")
REVENUE_DRAWN = ("(() => { const gd = document.querySelector('[data-name=\"revenue chart\"] .vz-plot');"
                 " return gd && gd.data && gd.data.length > 0 && gd.data.some(t => t.y && t.y.length > 0); })()")
# A static-props edit: no query runs, so the time is serve's own cost.
PROPS_EDIT = ("      type: bar\n      x: query(substr(ordered_on, 1, 7))",
              lambda k: f"      type: bar\n      opacity: 0.{9 - k % 9}\n      x: query(substr(ordered_on, 1, 7))")


def bench_large_edit(browser, binary, work, n, runs):
    """A one-trace edit of static props on the large project, timed on the page of the
    dashboard that shows the trace (200 traces in 40 charts), until it has redrawn with the
    new opacity: no query runs, so the time is serve's own (load, compile, the build's
    checks, the site, the page's reload and redraw)."""
    project = os.path.join(work, f"traces-{n}")
    subprocess.run([sys.executable, os.path.join(HERE, "generate.py"), project, str(n)], check=True)
    subprocess.run([binary, "build"], cwd=project, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    path = os.path.join(project, "traces", "part0.visivo.yml")
    original = open(path).read()

    def edit(k):
        return path, original.replace("    props:\n      type:", f"    props:\n      opacity: 0.{9 - k % 9}\n      type:", 1)

    def redrawn(k):
        return ("[...document.querySelectorAll('.vz-plot')].some(gd => (gd.data || [])"
                f".some(t => t.opacity === 0.{9 - k % 9}))")
    return edit_to_page(browser, binary, project, "dashboard-0/index.html", edit, runs, check=redrawn)


def project_with_charts(work, name, charts, points, trace_type="scatter", mode="lines"):
    """A dist of one dashboard with `charts` charts of `points` points each."""
    root = os.path.join(work, name)
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    con = sqlite3.connect(os.path.join(root, "points.db"))
    con.executescript(f"""
        create table p(i integer primary key, x real, y real);
        with recursive s(i) as (select 0 union all select i + 1 from s where i < {points - 1})
        insert into p select i, i, (i * 7919) % 1000 / 10.0 from s;
    """)
    con.close()
    lines = ["name: " + name, "sources:", "  - {name: db, type: sqlite, database: points.db}",
             "models:", "  - {name: points, source: ref(db), sql: select * from p}", "traces:"]
    for c in range(charts):
        lines += [f"  - name: t{c}", "    model: ref(points)", "    columns: {x: i, y: y + " + str(c) + "}",
                  f"    props: {{type: {trace_type}, mode: {mode}, x: column(x), y: column(y)}}", "    order_by: [query(i asc)]"]
    lines.append("charts:")
    for c in range(charts):
        lines.append(f"  - {{name: c{c}, traces: [ref(t{c})], layout: {{title: {{text: chart {c}}}}}}}")
    lines += ["dashboards:", "  - name: many", "    rows:"]
    for r in range(0, charts, 2):
        lines.append("      - items: [" + ", ".join(f"{{chart: ref(c{c})}}" for c in range(r, min(r + 2, charts))) + "]")
    with open(os.path.join(root, "project.visivo.yml"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return root


def bench_draw(browser, binary, work, name, charts, points, trace_type, mode, runs):
    """Time from navigation to every chart drawn with all its points, from a dist on file://."""
    root = project_with_charts(work, name, charts, points, trace_type, mode)
    subprocess.run([binary, "dist"], cwd=root, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = "file://" + os.path.join(root, "dist", "many", "index.html")
    drawn = (f"(() => {{ const gds = [...document.querySelectorAll('.vz-plot')];"
             f" return gds.length === {charts} && gds.every(gd => gd._fullData && gd._fullData.length === 1"
             f" && gd.data[0].x.length === {points} && gd.querySelector('.main-svg')); }})()")
    times = []
    for _ in range(runs):
        page = browser.new_page()
        t0 = time.time()
        page.navigate(url, timeout=120)
        page.wait_for(drawn, timeout=120, interval=0.01)
        times.append((time.time() - t0) * 1000)
        errors = list(page.errors)
        page.close()
        if errors:
            raise RuntimeError(f"console errors: {errors}")
    return {"median_ms": statistics.median(times), "runs_ms": [round(t) for t in times]}


def dir_bytes(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(HERE, "..", ".build", "release", "visivo"))
    ap.add_argument("--work", default=os.environ.get("BENCH_WORK", "/tmp/visivo-bench") + "-viewer")
    ap.add_argument("--large", type=int, default=10000, help="traces in the large serve project (0: skip)")
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    os.makedirs(args.work, exist_ok=True)
    results = {}
    with Browser(extra_args=["--enable-unsafe-swiftshader"]) as browser:
        print("serve: quickstart edit -> page ...", file=sys.stderr)
        results["serve_edit_quickstart"] = bench_quickstart_edit(browser, binary, args.work, args.runs, *QUERY_EDIT,
                                                                 check=lambda k: REVENUE_DRAWN)
        results["serve_props_edit_quickstart"] = bench_quickstart_edit(browser, binary, args.work, args.runs, *PROPS_EDIT)
        print("draw: 50 charts x 1,000 points ...", file=sys.stderr)
        results["draw_50x1000"] = bench_draw(browser, binary, args.work, "draw-50x1000", 50, 1000, "scatter", "lines", 5)
        print("draw: one 100,000-point scattergl trace ...", file=sys.stderr)
        results["scattergl_100000"] = bench_draw(browser, binary, args.work, "scattergl-100k", 1, 100000, "scattergl", "markers", 3)
        if args.large:
            print(f"serve: {args.large:,}-trace project edit -> page ...", file=sys.stderr)
            results["serve_props_edit_large"] = bench_large_edit(browser, binary, args.work, args.large, args.runs)
    qs = quickstart(args.work)
    subprocess.run([binary, "dist"], cwd=qs, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results["quickstart_dist_bytes"] = dir_bytes(os.path.join(qs, "dist"))
    results["quickstart_dist_without_plotly_bytes"] = results["quickstart_dist_bytes"] - os.path.getsize(
        os.path.join(qs, "dist", "assets", "plotly.min.js"))
    with open(os.path.join(HERE, "viewer-results.json"), "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    rows = [("serve: one-trace query edit to redrawn page, quickstart", results["serve_edit_quickstart"], "150 ms + query"),
            ("serve: one-trace props edit (no query) to redrawn page, quickstart", results["serve_props_edit_quickstart"], "150 ms"),
            ("dist: 50 charts x 1,000 points drawn (file://)", results["draw_50x1000"], "1.5 s"),
            ("dist: one 100,000-point scattergl trace drawn", results["scattergl_100000"], "draws")]
    if "serve_props_edit_large" in results:
        rows.append((f"serve: one-trace props edit (no query) to its redrawn dashboard (200 traces), {args.large:,}-trace project",
                     results["serve_props_edit_large"], "250 ms"))
    print("| figure | median | runs | target |\n|---|---:|---|---|")
    for name, r, target in rows:
        print(f"| {name} | {r['median_ms']:.0f} ms | {', '.join(str(x) for x in r['runs_ms'])} | {target} |")
    print(f"\nquickstart dist: {results['quickstart_dist_bytes'] / 1048576:.2f} MiB "
          f"({results['quickstart_dist_without_plotly_bytes'] / 1024:.0f} KiB without plotly.min.js)")


if __name__ == "__main__":
    main()
