#!/usr/bin/env python3
"""Import a usage export you already have into our CSV (one row per AI call), so the analyzers can read it.

    python3 src/import_usage.py --from openai|anthropic|litellm|otlp|openmeter INPUT... --output CSV [--prices FILE]

Sources: OpenAI organization usage pages (JSON), Anthropic usage reports (JSON), LiteLLM spend logs (CSV or
JSON), OTLP/JSON GenAI traces, OpenMeter-style metering CSV. Several INPUT files (pages of a paginated export)
make one CSV. Aggregated rows become calls spread over their window with exact token and cost totals; costs come
from the source when it has them (LiteLLM `spend`), else from the price catalog. The summary says which columns
the source could not fill and what that means for each analysis. See specs/data-schema.md.
"""
import importlib
import sys
from typing import List, Optional

from importers import SOURCES
from importers.common import UNKNOWN, Import
from pricing.catalog import load_catalog
from utils.cli import ArgumentParser, run_main
from utils.fsutil import check_writable
from utils.timeutil import iso

# What an analysis loses when a column is empty in the whole import (column -> consequence).
CONSEQUENCES = [
    ("subscription_tier", "revenue, margin and pricing models cannot be computed (profitability, pricing, "
                          "features revenue)"),
    ("organization_id", "chargeback and showback by organization show everything as (untagged) (alignment)"),
    ("product_id", "cost by product shows everything as (untagged) (understanding, alignment)"),
    ("feature_id", "feature adoption and cost per feature cannot be computed (features)"),
    ("task_type", "model right-sizing by task type is limited (optimization)"),
    ("latency_ms", "latency percentiles and slow-model findings cannot be computed (performance)"),
    ("environment", "production cannot be told apart from test traffic"),
]
DETAILS = ("request_id", "trace_id", "session_id", "user_agent")


def build_parser() -> ArgumentParser:
    p = ArgumentParser(prog="import_usage.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--from", dest="source", required=True, choices=SOURCES, help="the kind of export")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="export file(s); several for a paginated export")
    p.add_argument("--output", required=True, metavar="CSV", help="the CSV to write (replaced atomically)")
    p.add_argument("--prices", metavar="FILE", help="a price catalog (JSON or CSV) over the built-in one")
    return p


def import_files(source: str, inputs: List[str], prices: Optional[str] = None) -> Import:
    """Read every input file of `source` into one Import (InputFormatError on the first bad file)."""
    module = importlib.import_module("importers." + source)
    imp = Import(source, load_catalog(prices))
    for path in inputs:
        module.read(path, imp)  # type: ignore[attr-defined]
    return imp


def summary(imp: Import, inputs: List[str], output: str) -> List[str]:
    """The lines printed after an import: what was read, and what the data cannot support (and why)."""
    module = importlib.import_module("importers." + imp.source)
    lines = ["Wrote %d calls from %d %s record(s) in %d file(s) to %s" % (
        imp.calls, imp.records, imp.source, len(inputs), output)]
    if imp.calls:
        first = min(b.start for b in imp.buckets)
        last = max(b.start + (b.n - 1) * (b.end - b.start) // b.n for b in imp.buckets)
        lines.append("  %s input + %s output tokens, cost $%s, %s to %s" % (
            format(imp.input_tokens, ","), format(imp.output_tokens, ","), _usd(imp.cost_nano), iso(first), iso(last)))
        if module.NOTES:  # type: ignore[attr-defined]
            lines.append("  note: " + module.NOTES)  # type: ignore[attr-defined]
    return lines


def gaps(imp: Import) -> List[str]:
    """The columns this import could not fill, each with what it means for the analyses."""
    if not imp.calls:
        return []
    out = ["no %s: %s" % (c, why) for c, why in CONSEQUENCES if not imp.filled[c]]
    details = [c for c in DETAILS if not imp.filled[c]]
    if details:
        out.append("no %s (details only)" % ", ".join(details))
    return out


def warnings(imp: Import) -> List[str]:
    """What the user must know about this import: stand-in customers, unpriced models, duplicates, leftovers."""
    if not imp.calls:
        return ["no usage in these files (0 calls): wrote a CSV with the header only"]
    out = []
    used = [(label, n) for (c, label), n in sorted(imp.fallbacks.items()) if c == "customer_id"]
    if used:
        missing = sum(n for _, n in used)
        how = " and ".join("%s (%d call%s)" % (label if label != UNKNOWN else '"%s"' % UNKNOWN, n, "" if n == 1 else "s")
                           for label, n in used)
        scope = "in this export" if missing == imp.calls else "for %d of %d calls" % (missing, imp.calls)
        out.append("no customer ids %s: used %s as the customer; profitability will be limited" % (scope, how))
    if imp.unknown_models:
        names = ", ".join("%s/%s (%d calls)" % (p, m, n) for (p, m), n in sorted(imp.unknown_models.items()))
        out.append("models not in the price catalog were priced at $0: %s; add them with --prices FILE" % names)
    if imp.duplicates:
        out.append("skipped %d record(s) already read (the same bucket or request twice, e.g. overlapping pages)"
                   % imp.duplicates)
    for reason, n in sorted(imp.ignored.items()):
        out.append("%s: %d" % (reason, n))
    return out


def _usd(nano: int) -> str:
    whole, frac = divmod(nano, 1000000000)
    text = ("%s.%09d" % (format(whole, ","), frac)).rstrip("0")
    return text + "0" * max(0, 2 - len(text.split(".")[1]))


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    check_writable(args.output, "output")
    imp = import_files(args.source, args.inputs, args.prices)
    imp.write(args.output)  # every input was read first: --output may even replace one of them
    lines = summary(imp, args.inputs, args.output)
    missing = gaps(imp)
    if missing:
        lines.append("What this export cannot support (empty columns):")
        lines.extend("  - " + g for g in missing)
    print("\n".join(lines))
    for w in warnings(imp):
        sys.stderr.write("warning: %s\n" % w)
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
