"""What the dashboards must show, computed here from the SQLite databases with plain SQL
written for the purpose (not visivo's queries, not the viewer's output).

Cohorts are returned as dicts (cohort -> values); the order of the cohorts inside a
trace is the data file's business, the order of the values inside a cohort is fixed by
each trace's order_by and checked exactly.
"""

import sqlite3


def _rows(db, sql):
    connection = sqlite3.connect(db)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def _cohorts(rows):
    """[(cohort, a, b, ...)] -> {cohort: ([a...], [b...], ...)} keeping row order."""
    out = {}
    for cohort, *values in rows:
        columns = out.setdefault(cohort, tuple([] for _ in values))
        for column, value in zip(columns, values):
            column.append(value)
    return out


# MARK: - examples/quickstart (data/shop.db, scripts/targets.csv)


def quickstart(project):
    db = project / "data" / "shop.db"
    targets = {}
    for line in (project / "scripts" / "targets.csv").read_text().splitlines()[1:]:
        region, month, target = line.split(",")
        targets[(region, month)] = int(target)
    month = "substr(ordered_on, 1, 7)"

    revenue_by_month = _cohorts(_rows(db, f"""
        select region, {month} as m, sum(amount) from orders
        group by region, m order by m"""))
    # revenue vs target: orders joined to their month's target, per region and month
    actual = _cohorts(_rows(db, f"""
        select region, {month} as m, sum(amount) from orders
        group by region, m order by m"""))
    revenue_vs_target = {
        region: (months, sums, [targets[(region, m)] for m in months])
        for region, (months, sums) in actual.items()
    }
    monthly_target = {}
    for (region, m), target in sorted(targets.items(), key=lambda kv: kv[0][1]):
        xs, ys = monthly_target.setdefault(region, ([], []))
        xs.append(m)
        ys.append(target)
    segments = _rows(db, """
        select c.segment, sum(o.amount) as total
        from orders o join customers c on c.id = o.customer_id
        group by c.segment having total > 100 order by total desc""")
    channels = dict(_rows(db, "select channel, count(*) from orders group by channel"))
    return {
        "revenue by month": revenue_by_month,                 # bar, x months, y sums
        "orders by channel": {"orders by channel": channels},  # pie, one cohort
        "revenue vs target": revenue_vs_target,               # x months, y actual, text target
        "monthly target": monthly_target,                     # x months, y target
        "revenue by segment": {"revenue by segment": (
            [s for s, _ in segments], [t for _, t in segments])},
    }


# MARK: - Tests/Fixtures/viewer/every-item (data/items.db)


def every_item(project):
    db = project / "data" / "items.db"
    by_region = _cohorts(_rows(db, """
        select region, product, sum(units) from sales group by region, product
        order by product"""))
    by_day = _cohorts(_rows(db, """
        select s.region, day, sum(units), r.colour from sales s
        join regions r on r.name = s.region group by s.region, day order by day"""))
    units_by_day = {
        region: {"x": days[1:], "y": units[1:], "text": days, "color": colours[0]}
        for region, (days, units, colours) in by_day.items()
    }
    pie = dict(_rows(db, "select product, sum(units) from sales group by product"))
    heat = _rows(db, """select product, region, sum(units) from sales
                        group by product, region order by product, region""")
    table = _rows(db, "select units, day, region from sales order by id")
    return {
        "units by region": by_region,          # {region: (products, sums)}
        "units by day": units_by_day,          # {region: {x, y, text, color}}
        "units by product": pie,               # {product: sum}
        "units heatmap": {"x": [r[0] for r in heat], "y": [r[1] for r in heat],
                          "z": [r[2] for r in heat]},
        "sales rows": table,                   # [(units, day, region)] in id order
        "regions": sorted({r for r in by_region}),
    }
