"""Helpers the analyzer tests share: hand-made rows and CSVs, and the naive reading they recompute from.

Deliberately independent of the product: the field list is spelled out here, and files are read back with the
plain csv module, so a test that uses these compares the product against a second, simple computation.
"""
import csv
import os
from collections import defaultdict

SRC = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
ROOT = os.path.dirname(SRC)
FIELDS = ["timestamp", "call_id", "provider", "model", "input_tokens", "output_tokens", "cost_usd", "latency_ms",
          "customer_id", "subscription_tier", "organization_id", "product_id", "feature_id", "task_type",
          "environment", "request_id", "trace_id", "session_id", "user_agent"]


def row(ts, cost="0.001000", model="gpt-4o", provider="openai", inp=100, out=50, lat=500, cust="c1", org="org_a",
        prod="p1", feat="f1", task="chat", env="production"):
    return {"timestamp": ts, "call_id": "x", "provider": provider, "model": model, "input_tokens": str(inp),
            "output_tokens": str(out), "cost_usd": cost, "latency_ms": str(lat), "customer_id": cust,
            "subscription_tier": "pro", "organization_id": org, "product_id": prod, "feature_id": feat,
            "task_type": task, "environment": env, "request_id": "r", "trace_id": "t", "session_id": "s",
            "user_agent": "ua"}


def write_csv(path, rows, fields=FIELDS, bom=False, crlf=False, tail=""):
    eol = "\r\n" if crlf else "\n"
    with open(path, "w", encoding="utf-8", newline="") as f:
        if bom:
            f.write("\ufeff")
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore", lineterminator=eol)
        w.writeheader()
        for r in rows:
            w.writerow(r)
        f.write(tail)
    return path


def naive_rows(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def sums(rows, key):
    out = defaultdict(float)
    for r in rows:
        out[key(r)] += float(r["cost_usd"])
    return out
