#!/usr/bin/env python3
"""Crash and fault test: visivo's results stay right whatever happens to it.

In a scratch project (SQLite traces, a CSV-script model, a local merge):
  1. kill -9 at a random moment of `visivo build --refresh` (which stores every result
     again, so packs are written and merged) and of `visivo cache prune`, many times;
  2. every file under .visivo/ damaged in turn (cut in half, cut by a byte, a byte
     flipped, emptied, replaced by garbage, deleted, swapped with another file), with an
     output deleted so that the next build has to read the cache;
and after each, `visivo build` must exit 0 with every data.json and query.sql equal to
those of a clean build. Bounded by --seconds per phase.

    scripts/torture.py --binary .build/debug/visivo --seconds 30
"""

import argparse
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

TRACES = 40


def make_project(root):
    db = sqlite3.connect(os.path.join(root, "shop.db"))
    db.execute("create table orders(id integer, region text, day text, amount real)")
    rng = random.Random(7)
    db.executemany("insert into orders values (?,?,?,?)",
                   [(i, rng.choice("nsew"), f"2024-01-{1 + i % 28:02d}", round(rng.random() * 100, 2)) for i in range(3000)])
    db.commit()
    db.close()
    with open(os.path.join(root, "teams.csv"), "w") as f:
        f.write("region,team\n" + "".join(f"{r},team-{r}\n" for r in "nsew"))
    traces = "".join(
        f"  - {{name: t{k}, model: ref(orders), props: {{type: bar, x: query(region), y: query(sum(amount) * {k + 1})}},"
        f" filters: ['query(id % {k + 2} = 0)']}}\n"
        for k in range(TRACES))
    with open(os.path.join(root, "project.visivo.yml"), "w") as f:
        f.write(f"""name: torture
sources:
  - {{name: shop, type: sqlite, database: shop.db}}
defaults: {{source_name: shop}}
models:
  - {{name: orders, sql: select * from orders}}
  - {{name: teams, args: [cat, teams.csv]}}
  - name: joined
    models: [ref(orders), ref(teams)]
    sql: select o.region, t.team, o.amount from orders.model o join teams.model t on o.region = t.region
traces:
{traces}  - {{name: by team, model: ref(joined), props: {{type: bar, x: query(team), y: query(sum(amount))}}}}
  - {{name: team list, model: ref(teams), props: {{type: bar, x: query(team)}}}}
""")


def outputs(root):
    target = os.path.join(root, "target")
    out = {}
    for name in sorted(os.listdir(target)):
        for leaf in ("data.json", "query.sql"):
            p = os.path.join(target, name, leaf)
            if os.path.isfile(p):
                with open(p, "rb") as f:
                    out[f"{name}/{leaf}"] = f.read()
    return out


def build(binary, root, *extra):
    return subprocess.run([binary, "build", "-w", root, *extra], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)


class Checker:
    def __init__(self, binary, root, reference):
        self.binary, self.root, self.reference = binary, root, reference
        self.checks = 0
        self.failures = []

    def check(self, what):
        p = build(self.binary, self.root)
        self.checks += 1
        if p.returncode != 0:
            self.failures.append(f"{what}: the next build exited {p.returncode}: {p.stderr.decode(errors='replace')[-400:]}")
            return
        got = outputs(self.root)
        if got != self.reference:
            wrong = sorted(k for k in set(got) | set(self.reference) if got.get(k) != self.reference.get(k))
            self.failures.append(f"{what}: outputs differ from a clean build's: {', '.join(wrong[:5])}")


def kill_loop(c, seconds, rng):
    # How long one refresh build takes, so kills land anywhere inside it.
    t0 = time.monotonic()
    build(c.binary, c.root, "--refresh")
    span = max(0.05, time.monotonic() - t0)
    deadline = time.monotonic() + seconds
    kills = 0
    while time.monotonic() < deadline:
        command = ["build", "-w", c.root, "--refresh"] if rng.random() < 0.8 else ["cache", "prune", "-w", c.root]
        p = subprocess.Popen([c.binary, *command], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.random() * span * 1.2)
        if p.poll() is None:
            os.kill(p.pid, signal.SIGKILL)
            kills += 1
        p.wait()
        c.check(f"kill -9 of `visivo {' '.join(command[:2])}`")
    return kills


DAMAGES = ["cut in half", "cut by a byte", "a byte flipped", "emptied", "garbage", "deleted", "swapped with another"]


def damage(path, how, rng, within):
    with open(path, "rb") as f:
        data = f.read()
    if how == "deleted":
        os.unlink(path)
        return
    if how == "swapped with another":
        # Another file of the same kind (a cache object with another object) takes its place,
        # never one outside the state folder: a project's own input swapped in would be a
        # changed project, not a damaged cache.
        folder = os.path.dirname(os.path.dirname(path))
        if not (folder + os.sep).startswith(within + os.sep):
            folder = within
        others = [os.path.join(d, n) for d, _, names in os.walk(folder) for n in names if os.path.join(d, n) != path]
        if others:
            other = rng.choice(others)
            with open(other, "rb") as f:
                theirs = f.read()
            with open(other, "wb") as f:
                f.write(data)
            data = theirs
    if how == "cut in half":
        data = data[: len(data) // 2]
    elif how == "cut by a byte":
        data = data[:-1]
    elif how == "a byte flipped" and data:
        i = rng.randrange(len(data))
        data = data[:i] + bytes([data[i] ^ 0x5A]) + data[i + 1:]
    elif how == "emptied":
        data = b""
    elif how == "garbage":
        data = bytes(rng.randrange(256) for _ in range(max(16, len(data))))
    with open(path, "wb") as f:
        f.write(data)


def damage_loop(c, seconds, rng):
    deadline = time.monotonic() + seconds
    done = 0
    state = os.path.join(c.root, ".visivo")
    while time.monotonic() < deadline:
        files = sorted(os.path.join(d, n) for d, _, names in os.walk(state) for n in names if not n.endswith(".lock"))
        if not files:
            break
        path = rng.choice(files)
        how = rng.choice(DAMAGES)
        damage(path, how, rng, state)
        # An output gone as well: the build must read what the damage may have hit.
        victim = os.path.join(c.root, "target", f"t{rng.randrange(TRACES)}", "data.json")
        if os.path.exists(victim) and rng.random() < 0.7:
            os.unlink(victim)
        c.check(f"{os.path.relpath(path, c.root)} {how}")
        done += 1
    return done


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".build", "debug", "visivo"))
    ap.add_argument("--seconds", type=float, default=30, help="per phase")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    root = tempfile.mkdtemp(prefix="visivo-torture-")
    try:
        make_project(root)
        p = build(args.binary, root)
        if p.returncode != 0:
            sys.exit(f"the clean build failed: {p.stderr.decode(errors='replace')}")
        reference = outputs(root)
        if len(reference) != 2 * (TRACES + 2):
            sys.exit(f"the clean build wrote {len(reference)} outputs, expected {2 * (TRACES + 2)}")
        c = Checker(args.binary, root, reference)
        kills = kill_loop(c, args.seconds, rng)
        damaged = damage_loop(c, args.seconds, rng)
        print(f"torture (seed {seed}): {kills} kills, {damaged} damaged files, {c.checks} builds checked against a clean build, "
              f"{len(c.failures)} wrong", file=sys.stderr)
        for f in c.failures[:20]:
            print("  " + f, file=sys.stderr)
        sys.exit(1 if c.failures else 0)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
