#!/usr/bin/env python3
"""Generates a benchmark project: N traces over a SQLite database with a
1,000,000-row fact table and small dimension tables, spread over included files,
with charts and dashboards on top.

usage: generate.py DIR N_TRACES [--rows 1000000]
The database is built once per DIR (kept when it already has the right row count).
"""
import argparse
import os
import sqlite3


def build_database(path, rows):
    if os.path.exists(path):
        try:
            con = sqlite3.connect(path)
            if con.execute("select count(*) from sales").fetchone()[0] == rows:
                con.close()
                return
            con.close()
        except sqlite3.Error:
            pass
        os.remove(path)
    con = sqlite3.connect(path)
    con.executescript(f"""
        PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
        CREATE TABLE regions(id INTEGER PRIMARY KEY, name TEXT);
        INSERT INTO regions VALUES (0,'north'),(1,'south'),(2,'east'),(3,'west'),(4,'central');
        CREATE TABLE products(id INTEGER PRIMARY KEY, name TEXT, category TEXT, price REAL);
        WITH RECURSIVE p(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM p WHERE i < 199)
        INSERT INTO products SELECT i, 'product ' || i, 'cat ' || (i % 12), 5 + (i * 37 % 500) / 4.0 FROM p;
        CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT, region_id INTEGER, segment TEXT);
        WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM c WHERE i < 9999)
        INSERT INTO customers SELECT i, 'customer ' || i, i % 5, CASE i % 3 WHEN 0 THEN 'smb' WHEN 1 THEN 'enterprise' ELSE 'consumer' END FROM c;
        CREATE TABLE sales(id INTEGER PRIMARY KEY, day TEXT, customer_id INTEGER, product_id INTEGER, qty INTEGER, amount REAL);
        WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM s WHERE i < {rows - 1})
        INSERT INTO sales SELECT i, date('2023-01-01', '+' || (i % 730) || ' days'), (i * 7919) % 10000,
            (i * 104729) % 200, 1 + i % 9, round(((i * 2654435761) % 100000) / 100.0, 2) FROM s;
        CREATE INDEX sales_customer ON sales(customer_id);
        CREATE TABLE big(id INTEGER PRIMARY KEY, label TEXT, value REAL);
        INSERT INTO big SELECT id, 'row ' || id, amount FROM sales;
        ANALYZE;
    """)
    con.close()


TRACE_KINDS = [
    # (props, cohort_on, filters, order_by) as YAML snippets; {k} is the trace number.
    ("x: query(day)\n      y: query(sum(amount))", "segment", [], ["query(day asc)"]),
    ("x: query(product_id)\n      y: query(count(*))\n      text: query(avg(qty))", None, ["query(qty > {m})"], []),
    ("x: query(day)\n      y: query(amount)\n      marker:\n        color: query(case when qty > 5 then 'red' else 'blue' end)", None, [], ["query(day desc)", "query(amount asc)"]),
    ("labels: query(segment)\n      values: query(sum(qty))", None, ["query(sum(qty) > 1)"], ["query(sum(qty) desc)"]),
    ("x: query(region_id)\n      y: query(max(amount))", "query(case when qty % 2 = 0 then 'even' else 'odd' end)", [], []),
]


def write_project(root, n):
    files = max(1, min(50, n // 200))
    per_file = (n + files - 1) // files
    os.makedirs(os.path.join(root, "traces"), exist_ok=True)
    with open(os.path.join(root, "project.visivo.yml"), "w") as f:
        f.write("name: benchmark\nsources:\n  - {name: warehouse, type: sqlite, database: bench.db}\n")
        f.write("defaults: {source_name: warehouse}\nincludes:\n")
        for k in range(files):
            f.write(f"  - path: traces/part{k}.visivo.yml\n")
        f.write("models:\n  - name: sales\n    sql: >\n      select s.*, c.segment, c.region_id from sales s join customers c on c.id = s.customer_id\n")
    t = 0
    for k in range(files):
        with open(os.path.join(root, "traces", f"part{k}.visivo.yml"), "w") as f:
            f.write("traces:\n")
            names = []
            for _ in range(per_file):
                if t >= n:
                    break
                props, cohort, filters, order = TRACE_KINDS[t % len(TRACE_KINDS)]
                lo = (t * 3) % 9990
                name = f"trace {t}"
                names.append(name)
                f.write(f"  - name: {name}\n    model: ref(sales)\n")
                if cohort:
                    f.write(f"    cohort_on: \"{cohort}\"\n")
                f.write(f"    props:\n      type: bar\n      {props}\n")
                f.write(f"    filters:\n      - query(customer_id between {lo} and {lo + 2})\n")
                for flt in filters:
                    f.write(f"      - {flt.format(m=t % 5)}\n")
                if order:
                    f.write("    order_by:\n")
                    for o in order:
                        f.write(f"      - {o}\n")
                t += 1
            f.write("charts:\n")
            for c in range(0, len(names), 5):
                refs = ", ".join(f"ref({x})" for x in names[c:c + 5])
                f.write(f"  - name: chart {k}-{c}\n    traces: [{refs}]\n")
            f.write("dashboards:\n")
            f.write(f"  - name: dashboard {k}\n    rows:\n")
            for c in range(0, len(names), 10):
                f.write("      - items:\n")
                for cc in range(c, min(c + 10, len(names)), 5):
                    f.write(f"          - chart: ref(chart {k}-{cc})\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("traces", type=int)
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    build_database(os.path.join(args.dir, "bench.db"), args.rows)
    write_project(args.dir, args.traces)


if __name__ == "__main__":
    main()
