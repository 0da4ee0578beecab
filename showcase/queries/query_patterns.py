"""The FinOps questions as SQL: load the calls CSV into sqlite3 and run the common aggregation queries.

What it teaches: the everyday cost questions - cost by customer, model and day, the top customers, margin by
subscription tier, anomalous days, week-over-week growth - are a handful of GROUP BYs. The query text below is
portable SQL (CTEs, JOINs, GROUP BY, CASE-free arithmetic, SUBSTR-free: no engine-specific date functions), so
the *same strings* run unchanged on:

- sqlite3 (standard library; this script's default),
- DuckDB, when one machine's RAM is the limit of sqlite (`--engine duckdb` if `duckdb` is installed), e.g.
      import duckdb; con = duckdb.connect(); con.execute(DDL); ...; con.execute(QUERIES["cost_by_customer"])
- Spark SQL, when the data outgrows one machine:
      spark.read.csv("calls_normalised.csv", header=True, inferSchema=True).createOrReplaceTempView("calls")
      spark.sql(QUERIES["cost_by_customer"])          # same text (write the normalised CSV with --export-csv)

Two rules make the figures agree with the analyzers to the cent and across engines: money is stored as
INTEGER nano-dollars (`cost_nano`), so SUMs are exact and order-free (dividing happens once, at the end); and
dates are loaded pre-normalised (`day` 'YYYY-MM-DD' UTC and `day_num` days since 1970-01-01), because date
functions are the least portable part of SQL. Loading skips unusable rows by the analyzers' rules, so both
see the same calls.

    python3 showcase/queries/query_patterns.py --data src/data/simulated_calls.csv           # tables + SQL
    python3 showcase/queries/query_patterns.py --data src/data/simulated_calls.csv --json    # figures as JSON
    python3 showcase/queries/query_patterns.py --show-sql                                     # the queries only
"""
import os
import sys
_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
sys.path[:0] = [p for p in (os.path.join(_REPO, "src"), os.path.join(_REPO, "showcase")) if p not in sys.path]

import csv  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sqlite3  # noqa: E402
from collections import OrderedDict  # noqa: E402
from typing import Any, Dict, Iterator, List, Optional  # noqa: E402

from utils.errors import ConfigError, DataFileError  # noqa: E402
from utils.money import parse_usd, usd  # noqa: E402
from utils.paths import GENERATE_COMMAND  # noqa: E402
from utils.schema import DAYS_PER_MONTH, REQUIRED, TIER_PRICES_USD  # noqa: E402
from utils.timeutil import iso, iso_day, parse_ts  # noqa: E402

COLUMNS = ("ts", "day", "day_num", "provider", "model", "customer_id", "subscription_tier", "organization_id",
           "product_id", "feature_id", "task_type", "input_tokens", "output_tokens", "cost_nano", "latency_ms")
DDL = """
CREATE TABLE calls (
    ts                VARCHAR(20)  NOT NULL,  -- 'YYYY-MM-DDTHH:MM:SSZ', UTC (sorts in time order)
    day               VARCHAR(10)  NOT NULL,  -- 'YYYY-MM-DD', UTC
    day_num           INTEGER      NOT NULL,  -- days since 1970-01-01
    provider          VARCHAR(64)  NOT NULL,
    model             VARCHAR(128) NOT NULL,
    customer_id       VARCHAR(128) NOT NULL,
    subscription_tier VARCHAR(32),
    organization_id   VARCHAR(128),
    product_id        VARCHAR(128),
    feature_id        VARCHAR(128),
    task_type         VARCHAR(64),
    input_tokens      BIGINT       NOT NULL,
    output_tokens     BIGINT       NOT NULL,
    cost_nano         BIGINT       NOT NULL,  -- USD x 1e9, exact
    latency_ms        INTEGER                 -- NULL when unknown
);
CREATE TABLE tier_prices (tier VARCHAR(32) NOT NULL, monthly_usd INTEGER NOT NULL);
"""

Q = OrderedDict()  # type: Dict[str, str]
Q["totals"] = """
SELECT COUNT(*) AS calls, SUM(cost_nano) AS cost_nano, SUM(input_tokens) AS input_tokens,
       SUM(output_tokens) AS output_tokens, COUNT(DISTINCT customer_id) AS customers,
       MIN(day_num) AS first_day, MAX(day_num) AS last_day, MIN(ts) AS first_ts, MAX(ts) AS last_ts
FROM calls
"""
Q["cost_by_customer"] = """
SELECT customer_id, COUNT(*) AS calls, SUM(cost_nano) AS cost_nano
FROM calls
GROUP BY customer_id
ORDER BY cost_nano DESC, customer_id
"""
Q["cost_by_model"] = """
SELECT model, COUNT(*) AS calls, SUM(input_tokens + output_tokens) AS tokens, SUM(cost_nano) AS cost_nano
FROM calls
GROUP BY model
ORDER BY cost_nano DESC, model
"""
Q["cost_by_provider"] = """
SELECT provider, COUNT(*) AS calls, SUM(cost_nano) AS cost_nano
FROM calls
GROUP BY provider
ORDER BY cost_nano DESC, provider
"""
Q["cost_by_day"] = """
SELECT day, COUNT(*) AS calls, SUM(cost_nano) AS cost_nano
FROM calls
GROUP BY day
ORDER BY day
"""
Q["top_customers"] = """
SELECT c.customer_id, COUNT(*) AS calls, SUM(c.cost_nano) AS cost_nano,
       100.0 * SUM(c.cost_nano) / t.total_nano AS share_pct
FROM calls c
CROSS JOIN (SELECT SUM(cost_nano) AS total_nano FROM calls) t
GROUP BY c.customer_id, t.total_nano
ORDER BY cost_nano DESC, c.customer_id
LIMIT 10
"""
# A customer's tier is the one on its most recent call (a tie in time: the greater tier name); revenue for a
# period of D calendar days is the tier's monthly price x D / 30 (money conventions: specs/analyzers.md).
Q["margin_by_tier"] = """
WITH latest AS (
    SELECT customer_id, MAX(ts) AS last_ts FROM calls GROUP BY customer_id
), current_tier AS (
    SELECT c.customer_id, MAX(c.subscription_tier) AS tier
    FROM calls c JOIN latest l ON c.customer_id = l.customer_id AND c.ts = l.last_ts
    GROUP BY c.customer_id
), spend AS (
    SELECT customer_id, SUM(cost_nano) AS cost_nano FROM calls GROUP BY customer_id
), period AS (
    SELECT MAX(day_num) - MIN(day_num) + 1 AS days FROM calls
)
SELECT ct.tier, COUNT(*) AS customers, SUM(s.cost_nano) AS cost_nano, p.monthly_usd, period.days,
       COUNT(*) * p.monthly_usd * period.days / 30.0 AS revenue_usd
FROM current_tier ct
JOIN spend s ON s.customer_id = ct.customer_id
LEFT JOIN tier_prices p ON p.tier = ct.tier
CROSS JOIN period
GROUP BY ct.tier, p.monthly_usd, period.days
ORDER BY ct.tier
"""
# Days whose cost is more than two standard deviations above the mean day (z-score > 2), without SQRT or
# STDDEV (not in every engine): (x - mean)^2 > 4 * variance, with variance = E[x^2] - E[x]^2.
Q["anomalous_days"] = """
WITH daily AS (
    SELECT day, CAST(SUM(cost_nano) AS DOUBLE) / 1000000000.0 AS cost_usd FROM calls GROUP BY day
), stats AS (
    SELECT AVG(cost_usd) AS mean_usd, AVG(cost_usd * cost_usd) - AVG(cost_usd) * AVG(cost_usd) AS var_usd
    FROM daily
)
SELECT d.day, d.cost_usd, s.mean_usd, s.var_usd
FROM daily d CROSS JOIN stats s
WHERE s.var_usd > 0 AND d.cost_usd > s.mean_usd
  AND (d.cost_usd - s.mean_usd) * (d.cost_usd - s.mean_usd) > 4 * s.var_usd
ORDER BY d.day
"""
# Weeks are 7-day periods from the first day of the data; the previous week is joined by offset.
Q["week_over_week"] = """
WITH bounds AS (
    SELECT MIN(day_num) AS first_day, MAX(day_num) AS last_day FROM calls
), tagged AS (
    SELECT c.day_num - b.first_day AS day_offset, b.last_day - b.first_day + 1 AS period_days, c.cost_nano
    FROM calls c CROSS JOIN bounds b
), weekly AS (
    SELECT day_offset - (day_offset % 7) AS week_offset, MAX(period_days) AS period_days,
           COUNT(*) AS calls, SUM(cost_nano) AS cost_nano
    FROM tagged
    GROUP BY day_offset - (day_offset % 7)
)
SELECT w.week_offset, w.period_days, w.calls, w.cost_nano, p.cost_nano AS prev_cost_nano
FROM weekly w LEFT JOIN weekly p ON p.week_offset = w.week_offset - 7
ORDER BY w.week_offset
"""
QUERIES = Q


# ---- loading ----------------------------------------------------------------------------------------------------
class LoadStats(object):
    """Rows loaded and rows skipped (by reason), like the analyzers' data-quality notice."""

    def __init__(self) -> None:
        self.rows = 0
        self.skipped = {}  # type: Dict[str, int]

    @property
    def skipped_rows(self) -> int:
        return sum(self.skipped.values())

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def _whole(text: str) -> int:
    """A token or latency count; other tools write "12.0" for a whole number."""
    try:
        return int(text)
    except ValueError:
        f = float(text)
        if not f.is_integer():
            raise
        return int(f)


def normalised_rows(path: str, stats: LoadStats) -> Iterator[tuple]:
    """The calls table's rows from the CSV, typed and normalised; unusable rows are skipped and counted with
    the analyzers' rules (required columns present, numbers and timestamps parse, tokens not negative)."""
    if not os.path.isfile(path):
        raise DataFileError("data file %s does not exist; create it with `%s` (or pass --data PATH)" % (
            path, GENERATE_COMMAND))
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        fields = {(h or "").strip().lower() for h in reader.fieldnames or []}
        missing = [c for c in REQUIRED if c not in fields]
        if reader.fieldnames and missing:
            raise DataFileError("%s lacks the column(s) %s" % (path, ", ".join(missing)))
        reader.fieldnames = [(h or "").strip().lower() for h in reader.fieldnames or []]
        for r in reader:
            if None in r or any(r.get(c) is None for c in REQUIRED):
                stats.skip("wrong column count")
                continue
            if not (r["provider"] and r["model"] and r["customer_id"]):
                stats.skip("missing required field")
                continue
            try:
                ts = parse_ts(r["timestamp"])
            except ValueError:
                stats.skip("bad timestamp")
                continue
            try:
                inp, out = _whole(r["input_tokens"]), _whole(r["output_tokens"])
                cost_nano = parse_usd(r["cost_usd"])
                lat = r.get("latency_ms") or ""
                latency = _whole(lat) if lat.strip() else None
                if inp < 0 or out < 0:
                    raise ValueError("negative tokens")
            except (ValueError, OverflowError):
                stats.skip("bad number")
                continue
            stats.rows += 1
            iso_ts = iso(ts)
            yield (iso_ts, iso_ts[:10], ts // 86400, r["provider"], r["model"], r["customer_id"],
                   r.get("subscription_tier") or "", r.get("organization_id") or "", r.get("product_id") or "",
                   r.get("feature_id") or "", r.get("task_type") or "", inp, out, cost_nano,
                   latency if latency is not None and latency >= 0 else None)


def connect(engine: str):
    """A DB-API connection with the tables created: sqlite3 (built in) or DuckDB (if installed)."""
    if engine == "sqlite":
        con = sqlite3.connect(":memory:")
        con.executescript(DDL)
        return con
    try:
        import duckdb  # optional: never required
    except ImportError:
        raise ConfigError("--engine duckdb needs the duckdb package (pip install duckdb); sqlite needs nothing")
    con = duckdb.connect(":memory:")
    for stmt in DDL.split(";"):
        if stmt.strip():
            con.execute(stmt)
    return con


def load(con: Any, path: str) -> Any:
    """Fill the tables from the CSV; returns the read stats (rows, skipped rows by reason)."""
    stats = LoadStats()
    rows = normalised_rows(path, stats)
    insert = "INSERT INTO calls VALUES (%s)" % ", ".join("?" * len(COLUMNS))
    batch = []  # type: List[tuple]
    for r in rows:
        batch.append(r)
        if len(batch) >= 20000:
            con.executemany(insert, batch)
            batch = []
    if batch:
        con.executemany(insert, batch)
    con.executemany("INSERT INTO tier_prices VALUES (?, ?)", sorted(TIER_PRICES_USD.items()))
    return stats


def run(con: Any, name: str) -> List[Dict[str, Any]]:
    """One named query's rows as dicts (the same code path for every DB-API engine)."""
    cur = con.execute(QUERIES[name])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


# ---- figures ------------------------------------------------------------------------------------------------------
def figures(con: Any, stats: Any, data_file: str) -> Dict[str, Any]:
    """Every query's result as JSON-ready figures (USD with 6 decimals, percent with 2)."""
    tot = run(con, "totals")[0]
    out = OrderedDict()  # type: Dict[str, Any]
    days = 0 if tot["calls"] == 0 else int(tot["last_day"]) - int(tot["first_day"]) + 1
    out["data"] = {"file": data_file, "rows": stats.rows, "skipped_rows": stats.skipped_rows,
                   "start": tot["first_ts"], "end": tot["last_ts"], "days": float(days)}
    out["calls"] = int(tot["calls"])
    out["total_cost_usd"] = usd(int(tot["cost_nano"] or 0))
    for key, dim in (("cost_by_customer", "customer_id"), ("cost_by_model", "model"), ("cost_by_provider", "provider"),
                     ("cost_by_day", "day")):
        out[key] = OrderedDict((r[dim], usd(int(r["cost_nano"]))) for r in run(con, key))
    out["top_customers"] = [{"customer_id": r["customer_id"], "calls": int(r["calls"]),
                             "cost_usd": usd(int(r["cost_nano"])), "share_pct": round(float(r["share_pct"] or 0), 2)}
                            for r in run(con, "top_customers")]
    out["margin_by_tier"] = OrderedDict()
    for r in run(con, "margin_by_tier"):
        revenue = float(r["revenue_usd"] or 0.0)
        cost = int(r["cost_nano"]) / 1e9
        out["margin_by_tier"][r["tier"] or "(none)"] = {
            "customers": int(r["customers"]), "revenue_usd": round(revenue, 6), "cost_usd": round(cost, 6),
            "margin_usd": round(revenue - cost, 6),
            "margin_pct": round(100.0 * (revenue - cost) / revenue, 2) if revenue else None}
    out["anomalous_days"] = [{"day": r["day"], "cost_usd": round(r["cost_usd"], 6), "mean_usd": round(r["mean_usd"], 6),
                              "z_score": round((r["cost_usd"] - r["mean_usd"]) / math.sqrt(r["var_usd"]), 2)}
                             for r in run(con, "anomalous_days")]
    weeks = []
    for r in run(con, "week_over_week"):
        offset = int(r["week_offset"])
        covered = min(7, int(r["period_days"]) - offset)  # the last week may be partial: compare cost per day
        per_day = int(r["cost_nano"]) / 1e9 / covered
        prev = r["prev_cost_nano"]
        prev_per_day = int(prev) / 1e9 / 7 if prev is not None else None
        weeks.append({"week_start": iso_day(int(tot["first_day"]) + offset), "days": covered, "calls": int(r["calls"]),
                      "cost_usd": usd(int(r["cost_nano"])), "cost_per_day_usd": round(per_day, 6),
                      "growth_pct": round(100.0 * (per_day / prev_per_day - 1), 2) if prev_per_day else None})
    out["week_over_week"] = weeks
    out["revenue_convention"] = "tier price x %d calendar days / %d; tier = the one on the customer's latest call" % (
        days, DAYS_PER_MONTH)
    return out


def export_csv(path: str, data: str) -> int:
    """Write the normalised table as CSV (for Spark / DuckDB read_csv); returns the rows written."""
    from utils.fsutil import atomic_open
    rows = normalised_rows(data, LoadStats())
    n = 0
    with atomic_open(path) as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for r in rows:
            w.writerow(["" if v is None else v for v in r])
            n += 1
    return n


def _print_tables(doc: Dict[str, Any]) -> None:
    d = doc["data"]
    print("%d calls, %s to %s (%d days), total cost $%s" % (doc["calls"], d["start"], d["end"], d["days"],
                                                          format(doc["total_cost_usd"], ",.2f")))
    for key in ("cost_by_customer", "cost_by_model", "cost_by_day"):
        print("\n-- %s (SQL: %s)" % (key, " ".join(QUERIES[key].split())))
        for k, v in list(doc[key].items())[:8]:
            print("   %-32s $%14s" % (k, format(v, ",.4f")))
        if len(doc[key]) > 8:
            print("   ... %d more" % (len(doc[key]) - 8))
    print("\n-- margin_by_tier (%s)" % doc["revenue_convention"])
    for tier, m in doc["margin_by_tier"].items():
        print("   %-12s %4d customers  revenue $%12s  cost $%12s  margin $%12s (%s%%)" % (
            tier, m["customers"], format(m["revenue_usd"], ",.2f"), format(m["cost_usd"], ",.2f"),
            format(m["margin_usd"], ",.2f"), m["margin_pct"]))
    print("\n-- anomalous_days (z-score > 2)")
    for a in doc["anomalous_days"]:
        print("   %-12s $%12s  z=%s" % (a["day"], format(a["cost_usd"], ",.2f"), a["z_score"]))
    if not doc["anomalous_days"]:
        print("   none: no day costs more than the mean day + 2 standard deviations")
    print("\n-- week_over_week (cost per day, so a partial last week compares fairly)")
    for w in doc["week_over_week"]:
        print("   week of %s (%d days)  $%12s/day  %s" % (w["week_start"], w["days"], format(w["cost_per_day_usd"], ",.2f"),
                                                       "" if w["growth_pct"] is None else "%+.2f%%" % w["growth_pct"]))


def main(argv: Optional[List[str]] = None) -> int:
    from utils.cli import ArgumentParser
    from utils.paths import DEFAULT_DATA
    p = ArgumentParser(prog="query_patterns.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default=DEFAULT_DATA, help="calls CSV (default src/data/simulated_calls.csv)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON (equal to the analyzers' figures)")
    p.add_argument("--engine", choices=("sqlite", "duckdb"), default="sqlite",
                   help="sqlite (built in, default) or duckdb (if installed): the same query text")
    p.add_argument("--show-sql", action="store_true", help="print the schema and the queries, then exit")
    p.add_argument("--export-csv", metavar="PATH", help="write the normalised calls table as CSV (for Spark/DuckDB)")
    args = p.parse_args(argv)
    if args.show_sql:
        print(DDL.strip() + "\n")
        for name, sql in QUERIES.items():
            print("-- %s\n%s;\n" % (name, sql.strip()))
        return 0
    if args.export_csv:
        n = export_csv(args.export_csv, args.data)
        print("Wrote %d rows to %s" % (n, args.export_csv))
        return 0
    con = connect(args.engine)
    stats = load(con, args.data)
    doc = figures(con, stats, args.data)
    doc["engine"] = "sqlite %s" % sqlite3.sqlite_version if args.engine == "sqlite" else "duckdb"
    if args.json:
        print(json.dumps(doc, indent=1))
    else:
        _print_tables(doc)
    return 0


if __name__ == "__main__":
    from utils.cli import run_main
    sys.exit(run_main(main))
