#!/usr/bin/env python3
"""Runs visivo's benchmarks and writes results.md and results.json beside this file.

For each project size (BENCH_SIZES, default "100 1000 10000"): compile time, cold build
(--threads 2), no-op build, build after one trace changed, peak RSS, each the median of
several runs; the floor (the same compiled queries run by the sqlite3 CLI in one process)
and build time divided by it; the per-trace overhead of a single-threaded cold build's
build phase: its time minus the time spent inside the queries, both measured by visivo in
the same run (output on the work folder's disk, then on tmpfs), and the whole process over
the floor; and how much smaller the cache is than the data.json it holds. Then one
trace of 1,000,000 rows x 3 columns: time and peak RSS against its data.json size; a
CSV-script model printing 100 MiB; and, for 1,000 traces, a second runner (another
checkout, empty local cache) taking everything from a remote cache (nginx WebDAV on
loopback), against a cold build and a warm local cache.

usage: run.py [--binary PATH] [--work DIR]
"""
import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, cwd, check=True, env=None):
    """Runs cmd; returns (seconds, peak RSS in KiB, stdout+stderr)."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         env=None if env is None else {**os.environ, **env})
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - start
    if check and p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}):\n{out.decode(errors='replace')[-2000:]}")
    return elapsed, usage.ru_maxrss, out.decode(errors="replace")


def median_of(n, fn):
    results = [fn() for _ in range(n)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def dir_bytes(path, suffix=None):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            if suffix is None or f.endswith(suffix):
                total += os.path.getsize(os.path.join(root, f))
    return total


def floor_time(project, sqlite3):
    """The same compiled trace queries, run by the sqlite3 CLI in one process."""
    queries = []
    target = os.path.join(project, "target")
    for name in sorted(os.listdir(target)):
        q = os.path.join(target, name, "query.sql")
        if os.path.exists(q):
            with open(q) as f:
                queries.append(f.read().rstrip() + "\n;\n")
    path = os.path.join(project, "floor.sql")
    with open(path, "w") as f:
        f.writelines(queries)
    best = []
    for _ in range(3):
        with open(path) as f:
            start = time.perf_counter()
            subprocess.run([sqlite3, "bench.db"], stdin=f, cwd=project, stdout=subprocess.DEVNULL, check=True)
            best.append(time.perf_counter() - start)
    return statistics.median(best)


EDITS = iter(range(3, 1_000_000))


def file_floor_us(work, n):
    """What the file system alone charges per stale trace, done by Python: a folder,
    query.sql and data.json each written through a temporary name, and a cache object
    appended to a pack file."""
    root = os.path.join(work, "trash", f"fs-floor-{n}")
    os.makedirs(root)
    body = b"x" * 900
    start = time.perf_counter()
    with open(os.path.join(root, "objects.pack"), "wb") as pack:
        for i in range(n):
            d = os.path.join(root, f"trace {i}")
            os.mkdir(d)
            for name in ("query.sql", "data.json"):
                tmp = os.path.join(d, name + ".tmp")
                with open(tmp, "wb") as f:
                    f.write(body)
                os.rename(tmp, os.path.join(d, name))
            os.write(pack.fileno(), body)
    return (time.perf_counter() - start) / n * 1e6


def edit_one_trace(project, n):
    """Gives the first trace a customer range it never had, so exactly one trace is stale
    and its result cannot come from the cache."""
    path = os.path.join(project, "traces", "part0.visivo.yml")
    with open(path) as f:
        text = f.read()
    new = re.sub(r"customer_id between 0 and \d+\)", f"customer_id between 0 and {next(EDITS)})", text, count=1)
    with open(path, "w") as f:
        f.write(new)


def bench_size(binary, work, n, sqlite3):
    project = os.path.join(work, f"traces-{n}")
    subprocess.run([sys.executable, os.path.join(HERE, "generate.py"), project, str(n)], check=True)
    v = binary
    runs = 3 if n >= 10000 else 5
    r = {"traces": n}
    run([v, "compile"], project)
    r["compile_s"], r["compile_rss_kib"] = median_of(runs, lambda: run([v, "compile"], project))

    # A cold build writes into a new output folder and a new cache folder. Old ones are
    # only deleted at the very end of the run (main): deleting thousands of files right
    # before a build makes ext4 skip their recently freed inodes, which would time the
    # file system, not visivo.
    fresh = iter(range(1000))

    def cold(threads="2"):
        k = next(fresh)
        out, cache = os.path.join(work, "trash", f"{n}-out-{k}"), os.path.join(work, "trash", f"{n}-cache-{k}")
        return run([v, "build", "--threads", threads, "-o", out, "--cache-dir", cache], project)
    r["cold_build_s"], r["cold_build_rss_kib"] = median_of(3, cold)
    run([v, "build"], project)  # brings the project's own target/ up to date first
    r["noop_build_s"], r["noop_build_rss_kib"] = median_of(runs, lambda: run([v, "build"], project))

    def one_changed():
        edit_one_trace(project, n)
        return run([v, "build"], project)
    r["one_changed_build_s"], r["one_changed_rss_kib"] = median_of(runs, one_changed)

    r["floor_s"] = floor_time(project, sqlite3)
    r["cold_over_floor"] = r["cold_build_s"] / r["floor_s"] if r["floor_s"] > 0 else None

    # Overhead per stale trace, single-threaded cold build: the build phase minus the time
    # spent inside the queries (from sending the SQL to the last row encoded), both from
    # VISIVO_TIMINGS of the same run, over N. What is left is the scheduler, fingerprints,
    # cache lookups, assembling data.json, hashing, compression, cache and output writes,
    # the state and progress lines. Measuring both in one process keeps the machine's drift
    # between runs out of the difference. Process start, loading and compiling have
    # targets of their own; the whole process over the floor is kept beside it. Then the
    # same with the output and cache folders on tmpfs (/dev/shm), which takes the disk out.
    def build_phase(root):
        k = next(fresh)
        out, cache = os.path.join(root, f"{n}-out-{k}"), os.path.join(root, f"{n}-cache-{k}")
        t, _, text = run([v, "build", "--threads", "1", "-o", out, "--cache-dir", cache], project, env={"VISIVO_TIMINGS": "1"})
        build = float(re.search(r"timing: build ([0-9.]+) ms", text).group(1)) / 1000
        queries = float(re.search(r"timing: queries ([0-9.]+) ms", text).group(1)) / 1000
        return {"whole_s": t, "build_s": build, "queries_s": queries, "overhead_us": (build - queries) / n * 1e6}
    phases = [build_phase(os.path.join(work, "trash")) for _ in range(5)]
    r["cold_build_1_thread_s"] = statistics.median(x["whole_s"] for x in phases)
    r["build_phase_1_thread_s"] = statistics.median(x["build_s"] for x in phases)
    r["queries_1_thread_s"] = statistics.median(x["queries_s"] for x in phases)
    r["overhead_per_stale_trace_us"] = statistics.median(x["overhead_us"] for x in phases)
    r["overhead_per_stale_trace_runs_us"] = [round(x["overhead_us"]) for x in phases]
    r["overhead_whole_process_us"] = max(0.0, (r["cold_build_1_thread_s"] - r["floor_s"]) / n * 1e6)
    shm = "/dev/shm"
    if os.path.isdir(shm) and os.access(shm, os.W_OK):
        root = os.path.join(shm, "visivo-bench")
        shutil.rmtree(root, ignore_errors=True)
        tmpfs = [build_phase(root) for _ in range(5)]
        shutil.rmtree(root, ignore_errors=True)
        r["build_phase_1_thread_tmpfs_s"] = statistics.median(x["build_s"] for x in tmpfs)
        r["overhead_per_stale_trace_tmpfs_us"] = statistics.median(x["overhead_us"] for x in tmpfs)
    r["file_floor_per_trace_us"] = file_floor_us(work, n)

    # The cache folder as a whole (loose objects, packs and their indexes).
    data = dir_bytes(os.path.join(work, "trash", f"{n}-out-0"), "data.json")
    cache = dir_bytes(os.path.join(work, "trash", f"{n}-cache-0"))
    r["data_json_bytes"] = data
    r["cache_bytes"] = cache
    r["cache_ratio"] = data / cache if cache else None
    return r


def bench_large(binary, work):
    project = os.path.join(work, "large-trace")
    os.makedirs(project, exist_ok=True)
    src = os.path.join(work, "traces-100", "bench.db")
    if not os.path.exists(src):
        subprocess.run([sys.executable, os.path.join(HERE, "generate.py"), os.path.join(work, "traces-100"), "100"], check=True)
    if not os.path.exists(os.path.join(project, "bench.db")):
        os.link(src, os.path.join(project, "bench.db"))
    with open(os.path.join(project, "project.visivo.yml"), "w") as f:
        f.write("""sources:
  - {name: warehouse, type: sqlite, database: bench.db}
defaults: {source_name: warehouse}
models:
  - {name: big, sql: select * from big}
traces:
  - name: million
    model: ref(big)
    props:
      type: scatter
      x: query(id)
      y: query(value)
      text: query(label)
""")
    results = []
    for k in range(3):
        out, cache = os.path.join(work, "trash", f"large-out-{k}"), os.path.join(work, "trash", f"large-cache-{k}")
        results.append(run([binary, "build", "-o", out, "--cache-dir", cache], project))
    t = statistics.median(x[0] for x in results)
    rss = max(x[1] for x in results)
    size = os.path.getsize(os.path.join(work, "trash", "large-out-0", "million", "data.json"))
    return {"rows": 1_000_000, "columns": 3, "build_s": t, "peak_rss_kib": rss, "data_json_bytes": size,
            "rss_over_data": rss * 1024 / size}


def bench_csv(binary, work):
    """A CSV-script model printing 100 MiB: built (the script runs), then restored from the cache."""
    project = os.path.join(work, "csv-100mib")
    os.makedirs(project, exist_ok=True)
    csv = os.path.join(project, "big.csv")
    if not os.path.exists(csv) or os.path.getsize(csv) < 100 * 1024 * 1024:
        rng = random.Random(1)
        with open(csv, "w") as f:
            f.write("id,value,label,day\n")
            i = 0
            while f.tell() < 100 * 1024 * 1024:
                f.write(f"{i},{rng.random() * 1000:.4f},label-{i % 977},2024-{1 + i % 12:02d}-{1 + i % 28:02d}\n")
                i += 1
    with open(os.path.join(project, "project.visivo.yml"), "w") as f:
        f.write("""models:
  - {name: big, args: [cat, big.csv]}
traces:
  - name: by day
    model: ref(big)
    props: {type: scatter, x: query(day), y: query(sum(value))}
""")
    out, cache = os.path.join(work, "trash", "csv-out"), os.path.join(work, "trash", "csv-cache")
    built = run([binary, "build", "-o", out, "--cache-dir", cache], project)
    shutil.rmtree(out)
    restored = run([binary, "build", "-o", out, "--cache-dir", cache], project)
    return {"csv_bytes": os.path.getsize(csv), "build_s": built[0], "build_rss_kib": built[1],
            "restore_s": restored[0], "restore_rss_kib": restored[1]}


def bench_remote(binary, work, n=1000):
    """A second runner with the remote cache (nginx WebDAV on loopback) against a cold build
    and against a warm local cache, for n traces. The second runner is another checkout
    (a copy of the project folder) with an empty local cache."""
    project = os.path.join(work, f"traces-{n}")
    subprocess.run([sys.executable, os.path.join(HERE, "generate.py"), project, str(n)], check=True)
    clone = os.path.join(work, f"traces-{n}-clone")
    shutil.rmtree(clone, ignore_errors=True)
    shutil.copytree(project, clone, ignore=shutil.ignore_patterns("target", ".visivo"))
    port = os.environ.get("BENCH_NGINX_PORT", "58081")
    env = {**os.environ, "VISIVO_NGINX_PORT": port, "VISIVO_NGINX_DATA": os.path.join(work, "nginx")}
    script = os.path.join(HERE, "..", "scripts", "nginx-cache-server.sh")
    subprocess.run([script, "stop"], env=env, check=True, stderr=subprocess.DEVNULL)
    subprocess.run([script, "start"], env=env, check=True)
    try:
        fresh = iter(range(1000))

        def paths(tag):
            k = next(fresh)
            return os.path.join(work, "trash", f"remote-{tag}-out-{k}"), os.path.join(work, "trash", f"remote-{tag}-cache-{k}")

        def build(cwd, tag, *extra):
            out, cache = paths(tag)
            return run([binary, "build", "--threads", "2", "-o", out, "--cache-dir", cache, *extra], cwd), out, cache

        remotes = iter(range(1000))
        timings = {"cold": [], "cold_uploading": [], "second_runner": [], "warm_local": []}
        for _ in range(3):
            url = f"http://127.0.0.1:{port}/cache/bench-{next(remotes)}"
            timings["cold"].append(build(project, "cold")[0][0])
            (up, _, _), _, cache = build(project, "up", "--remote-cache", url)
            timings["cold_uploading"].append(up)
            (second, _, text), _, _ = build(clone, "second", "--remote-cache", url)
            if "built 0," not in text or "from the remote cache" not in text:
                sys.exit(f"the second runner did not take everything from the remote:\n{text[-500:]}")
            timings["second_runner"].append(second)
            warm_out = paths("warm")[0]
            timings["warm_local"].append(run([binary, "build", "--threads", "2", "-o", warm_out, "--cache-dir", cache], project)[0])
        return {k: statistics.median(v) for k, v in timings.items()} | {"traces": n}
    finally:
        subprocess.run([script, "stop"], env=env, check=False, stderr=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(HERE, "..", ".build", "release", "visivo"))
    ap.add_argument("--work", default=os.environ.get("BENCH_WORK", "/tmp/visivo-bench"))
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    sqlite3 = shutil.which("sqlite3") or sys.exit("sqlite3 CLI not found")
    os.makedirs(args.work, exist_ok=True)
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "100 1000 10000").split()]
    results = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
               "sizes": [], "large_trace": None}
    # A trash folder left by an earlier run is moved aside now and deleted at the end,
    # after every measurement (see bench_size).
    trash = os.path.join(args.work, "trash")
    old_trash = f"{trash}-old-{time.time_ns()}"
    if os.path.exists(trash):
        os.rename(trash, old_trash)
    for n in sizes:
        print(f"benchmarking {n} traces ...", file=sys.stderr)
        results["sizes"].append(bench_size(binary, args.work, n, sqlite3))
    print("benchmarking one 1,000,000-row trace ...", file=sys.stderr)
    results["large_trace"] = bench_large(binary, args.work)
    print("benchmarking a CSV-script model printing 100 MiB ...", file=sys.stderr)
    results["csv_model"] = bench_csv(binary, args.work)
    print("benchmarking a second runner with the remote cache ...", file=sys.stderr)
    results["remote_cache"] = bench_remote(binary, args.work)
    shutil.rmtree(trash, ignore_errors=True)
    shutil.rmtree(old_trash, ignore_errors=True)

    with open(os.path.join(HERE, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    lines = ["| traces | compile | cold build (2 threads) | floor (sqlite3 CLI) | cold / floor | no-op build | one trace changed "
             "| overhead per stale trace (build − queries) | same, output on tmpfs | whole process over the floor | file system alone | peak RSS (cold) | data.json / cache |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results["sizes"]:
        tmpfs = r.get("overhead_per_stale_trace_tmpfs_us")
        lines.append(f"| {r['traces']:,} | {r['compile_s']*1000:.0f} ms | {r['cold_build_s']:.2f} s | {r['floor_s']:.2f} s | "
                     f"{r['cold_over_floor']:.2f}x | {r['noop_build_s']*1000:.0f} ms | {r['one_changed_build_s']*1000:.0f} ms | "
                     f"{r['overhead_per_stale_trace_us']:.0f} us | {'-' if tmpfs is None else f'{tmpfs:.0f} us'} | "
                     f"{r['overhead_whole_process_us']:.0f} us | {r['file_floor_per_trace_us']:.0f} us | "
                     f"{r['cold_build_rss_kib']/1024:.0f} MiB | {r['cache_ratio']:.1f}x |")
    lt = results["large_trace"]
    lines += ["", "| large trace | build | peak RSS | data.json | RSS / data.json |", "|---|---:|---:|---:|---:|",
              f"| 1,000,000 rows x 3 columns | {lt['build_s']:.2f} s | {lt['peak_rss_kib']/1024:.0f} MiB | "
              f"{lt['data_json_bytes']/1048576:.0f} MiB | {lt['rss_over_data']:.2f}x |"]
    cm = results["csv_model"]
    lines += ["", "| CSV-script model | script run and loaded | peak RSS | restored from the cache | peak RSS |", "|---|---:|---:|---:|---:|",
              f"| {cm['csv_bytes']/1048576:.0f} MiB of CSV | {cm['build_s']:.2f} s | {cm['build_rss_kib']/1024:.0f} MiB | "
              f"{cm['restore_s']:.2f} s | {cm['restore_rss_kib']/1024:.0f} MiB |"]
    rc = results["remote_cache"]
    lines += ["", f"| remote cache, {rc['traces']:,} traces (2 threads, nginx WebDAV on loopback) | wall time |", "|---|---:|",
              f"| cold build, no remote cache | {rc['cold']:.2f} s |",
              f"| cold build, uploading to the remote | {rc['cold_uploading']:.2f} s |",
              f"| second runner: another checkout, empty local cache, all from the remote | {rc['second_runner']:.2f} s |",
              f"| warm local cache (outputs restored from it) | {rc['warm_local']:.2f} s |"]
    with open(os.path.join(HERE, "results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
