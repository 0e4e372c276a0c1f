#!/usr/bin/env python3
"""A mutation fuzzer for the project loader, out of process.

Takes the project files under Tests/Fixtures/fuzz/corpus (and the repository's example and
conformance projects) as seeds, mutates them (bytes, YAML tokens, template and ref syntax,
splices of two seeds) and runs `visivo compile` on each in a scratch folder. An input that
kills visivo with a signal, or takes longer than --slow seconds, is saved to
Tests/Fixtures/fuzz/found/, where the Swift test LoaderCorpusTests loads it from then on.

    scripts/fuzz.py --binary .build/debug/visivo --seconds 60

Exit status 1 when something was found in this run (the input is saved either way).
"""

import argparse
import concurrent.futures
import glob
import hashlib
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CORPUS = os.path.join(ROOT, "Tests", "Fixtures", "fuzz", "corpus")
FOUND = os.path.join(ROOT, "Tests", "Fixtures", "fuzz", "found")

TOKENS = [
    b"&a ", b"*a", b"<<: *a", b"[", b"]", b"{", b"}", b": ", b"- ", b", ", b"query(", b"column(", b"ref(", b")",
    b"${ref(", b"{{ ", b" }}", b"{{ env_var('VISIVO_FUZZ_UNSET') }}", b"{% if x %}", b"\t", b'"', b"'", b"#", b"\n  ",
    b"\n- ", b"---\n", b"...\n", b"!!binary ", b"!!int ", b"%YAML 1.1\n", b"\xff", b"\xc3", b"\x00", b"9" * 40,
    b"106751991167301d", b"-1", b"1e999", b"nan", b"~", b"null", b"? ", b"|\n", b">-\n", b"includes:\n  - path: ",
    b"traces:\n", b"models:\n", b"sources:\n", b"dashboards:\n", b"name: ", b"props:\n", b"type: ", b"..", b"/",
]


def seeds():
    paths = sorted(glob.glob(os.path.join(CORPUS, "*")))
    paths += sorted(glob.glob(os.path.join(ROOT, "Tests", "Fixtures", "conformance", "cases", "*", "project.visivo.yml")))
    paths += sorted(glob.glob(os.path.join(ROOT, "examples", "*", "project.visivo.yml")))
    out = []
    for p in paths:
        with open(p, "rb") as f:
            out.append(f.read())
    return out


def mutate(rng, data, pool):
    data = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        choice = rng.random()
        at = rng.randint(0, len(data))
        if choice < 0.2 and data:
            data[rng.randrange(len(data))] = rng.randrange(256)
        elif choice < 0.5:
            data[at:at] = rng.choice(TOKENS)
        elif choice < 0.65 and data:
            end = min(len(data), at + rng.randint(1, 64))
            del data[at:end]
        elif choice < 0.8 and data:
            end = min(len(data), at + rng.randint(1, 256))
            data[at:at] = data[at:end] * rng.randint(1, 8)
        else:
            other = rng.choice(pool)
            if other:
                start = rng.randrange(len(other))
                data[at:at] = other[start:start + rng.randint(1, 512)]
    return bytes(data)


def run_one(binary, data, slow):
    """(kind, seconds): kind is None, "crash <signal>" or "slow"."""
    work = tempfile.mkdtemp(prefix="visivo-fuzz-")
    try:
        with open(os.path.join(work, "project.visivo.yml"), "wb") as f:
            f.write(data)
        started = time.monotonic()
        try:
            p = subprocess.run([binary, "compile", "-w", work], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               timeout=slow, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
        except subprocess.TimeoutExpired:
            return "slow", slow
        elapsed = time.monotonic() - started
        if p.returncode < 0:
            return f"crash (signal {-p.returncode})", elapsed
        if p.returncode not in (0, 1):
            return f"exit {p.returncode}", elapsed
        return None, elapsed
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build", "debug", "visivo"))
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--slow", type=float, default=10, help="an input taking longer than this is saved as slow")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    pool = seeds()
    if not pool:
        sys.exit("no seeds found")
    os.makedirs(FOUND, exist_ok=True)
    deadline = time.monotonic() + args.seconds
    runs = 0
    found = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        while time.monotonic() < deadline:
            batch = [mutate(rng, rng.choice(pool), pool) for _ in range(args.jobs * 4)]
            for data, (kind, _) in zip(batch, ex.map(lambda d: run_one(args.binary, d, args.slow), batch)):
                runs += 1
                if kind is None:
                    continue
                found += 1
                name = hashlib.sha256(data).hexdigest()[:16] + ".yml"
                with open(os.path.join(FOUND, name), "wb") as f:
                    f.write(data)
                print(f"{kind}: saved Tests/Fixtures/fuzz/found/{name}", file=sys.stderr)
    print(f"fuzz: {runs} inputs in {args.seconds:.0f} s (seed {seed}), {found} crashing or slow", file=sys.stderr)
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
