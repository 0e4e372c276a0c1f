#!/usr/bin/env python3
"""Checks that each module under Sources/ imports only modules of lower layers, and prints
the import graph (docs/architecture.md shows it).

The layers, lowest first, are LAYERS below; a module may import any module of a lower layer
and the C libraries, never one of its own layer or above.

usage: layers.py [--graph]
"""
import os
import re
import sys

LAYERS = [
    "VisivoSupport",
    "VisivoProject",
    "VisivoLoading",
    "VisivoGraph",
    "VisivoQuery",
    "VisivoConnectors",
    "VisivoBuild",
    "VisivoSite",
    "VisivoServe",
    "visivo",
]
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Sources")
IMPORT = re.compile(r"^(?:@testable |@preconcurrency )?import (\w+)", re.M)


def imports_of(module):
    found = {}
    for folder, _, files in os.walk(os.path.join(ROOT, module)):
        for name in sorted(files):
            if not name.endswith(".swift"):
                continue
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as f:
                for imported in IMPORT.findall(f.read()):
                    if imported in LAYERS:
                        found.setdefault(imported, os.path.relpath(path, os.path.join(ROOT, "..")))
    return found


def main():
    problems = []
    graph = {}
    for level, module in enumerate(LAYERS):
        found = imports_of(module)
        graph[module] = sorted(found, key=LAYERS.index)
        for imported, path in found.items():
            if LAYERS.index(imported) >= level:
                problems.append(f"{path}: {module} imports {imported}, which is not below it")
    if "--graph" in sys.argv:
        for module in reversed(LAYERS):
            print(f"{module:17} -> {', '.join(graph[module]) or '(Foundation, C libraries only)'}")
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
