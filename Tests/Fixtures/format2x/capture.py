"""Captures what the reference CLI (Python Visivo 2.2.1) computes for this project's
insights, into expected/<insight>.json. Run it by hand with the reference installed:

    PYENV_VERSION=3.12.1 python3.12 -m venv /tmp/ref2 && /tmp/ref2/bin/pip install visivo==2.2.1
    cd Tests/Fixtures/format2x && /tmp/ref2/bin/python capture.py /tmp/ref2/bin/visivo

The reference writes each insight's query and the Parquet files it reads; its viewer runs
that query in the browser (DuckDB-WASM) after putting the chosen input values into it.
This script does the same with DuckDB's Python package (a dependency of the reference), for
the inputs' defaults and for the extra combinations in COMBINATIONS, and records the rows
as {split value or insight name: {props key: [values]}} with whether the order is fixed.
"""
import json, os, shutil, subprocess, sys, tempfile
import duckdb

# Input values to compute besides the defaults, per insight (a quote in a value included).
COMBINATIONS = {
    "region-orders": [{"region-pick": "o'hara", "min-amount": "10"}, {"region-pick": "south", "min-amount": "10"}],
    "category-orders": [{"categories": ["garden"]}, {"categories": ["tools", "garden", "kitchen"]}],
    "range-orders": [{"amount-range": [0, 100]}],
}


def literal(v):
    return str(v) if isinstance(v, (int, float)) else "'" + str(v).replace("'", "''") + "'"


def fill(query, values):
    """What the reference's viewer does: ${name.accessor} replaced by the value's text."""
    for name, v in values.items():
        if isinstance(v, list):
            query = query.replace("${%s.values}" % name, ", ".join(literal(x) for x in v))
            nums = [x for x in v if isinstance(x, (int, float))]
            query = query.replace("${%s.min}" % name, literal(min(v)))
            query = query.replace("${%s.max}" % name, literal(max(v)))
            query = query.replace("${%s.first}" % name, literal(v[0]))
            query = query.replace("${%s.last}" % name, literal(v[-1]))
        else:
            # The reference quotes single values itself ('${x.value}').
            query = query.replace("${%s.value}" % name, str(v).replace("'", "''"))
    return query


def defaults(project):
    out = {}
    for i in project.get("inputs", []):
        d = (i.get("display") or {}).get("default") or {}
        if i["type"] == "single-select":
            out[i["name"]] = d.get("value", (i.get("options") or [None])[0])
        elif "range" in i:
            out[i["name"]] = [d.get("start", i["range"]["start"]), d.get("end", i["range"]["end"])]
        else:
            out[i["name"]] = d.get("values", i.get("options"))
    return out


def main():
    visivo = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    work = tempfile.mkdtemp()
    for f in ["project.visivo.yml", "data.sql"]:
        shutil.copy(os.path.join(here, f), work)
    import sqlite3
    con = sqlite3.connect(os.path.join(work, "shop.db"))
    con.executescript(open(os.path.join(work, "data.sql")).read())
    con.close()
    env = dict(os.environ, VISIVO_TELEMETRY_DISABLED="true")
    subprocess.run([visivo, "run"], cwd=work, env=env, check=True, stdout=subprocess.DEVNULL)
    import yaml
    project = yaml.safe_load(open(os.path.join(work, "project.visivo.yml")))
    base = defaults(project)
    out_dir = os.path.join(here, "expected")
    os.makedirs(out_dir, exist_ok=True)
    insights_dir = os.path.join(work, "target", "main", "insights")
    for f in sorted(os.listdir(insights_dir)):
        if not f.endswith(".json"):
            continue
        meta = json.load(open(os.path.join(insights_dir, f)))
        name = meta["name"]
        con = duckdb.connect()
        for file in meta["files"]:
            con.execute('create view "%s" as select * from read_parquet(\'%s\')' % (file["name_hash"], file["signed_data_file_url"]))
        results = []
        for combo in [{}] + COMBINATIONS.get(name, []):
            values = dict(base, **combo)
            cur = con.execute(fill(meta["query"], values))
            columns = [d[0] for d in cur.description]
            rows = cur.fetchall()
            by_column = {c: i for i, c in enumerate(columns)}
            data = {}
            for row in rows:
                series = str(row[by_column[meta["split_key"]]]) if meta["split_key"] else name
                cell = data.setdefault(series, {k: [] for k in meta["props_mapping"]})
                for key, column in meta["props_mapping"].items():
                    cell[key].append(row[by_column[column]])
            results.append({"inputs": combo, "data": data})
        spec = next(i for i in project["insights"] if i["name"] == name)
        ordered = any("sort" in x for x in spec.get("interactions") or [])
        record = {"insight": name, "ordered": ordered, "results": results}
        with open(os.path.join(out_dir, name + ".json"), "w") as fh:
            json.dump(record, fh, indent=1, sort_keys=True, default=str)
            fh.write("\n")
    print("captured", len(os.listdir(out_dir)), "insights into", out_dir)


main()
