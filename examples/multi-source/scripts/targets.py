#!/usr/bin/env python3
"""Prints this year's revenue target per region as CSV (a CSV-script model)."""
import csv
import sys

TARGETS = {"north": 500, "south": 400, "east": 300, "west": 250}

writer = csv.writer(sys.stdout)
writer.writerow(["region", "target"])
for region, target in TARGETS.items():
    writer.writerow([region, target])
