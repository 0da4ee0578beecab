#!/usr/bin/env python3
"""Import a usage export you already have into our CSV (one row per AI call), so the analyzers can read it.

    python3 src/import_usage.py --from openai|anthropic|litellm|otlp|openmeter INPUT... --output CSV
                                [--prices FILE [--prices-alone]] [--costs FILE...] [--customer-from FIELD]

Sources: OpenAI organization usage (JSON pages or the cookbook's list of buckets), Anthropic usage reports (JSON),
LiteLLM spend logs (CSV or JSON), OTLP/JSON GenAI traces, OpenMeter meters (query JSON or CSV). Several INPUT
files (pages of a paginated export) make one CSV. Aggregated rows become calls spread over their window with exact
token and cost totals; costs come from the source when it has them (LiteLLM `spend`), from the billed amounts of
--costs (OpenAI costs pages, Anthropic cost reports), else from the price catalog. The summary says which columns
the source could not fill and what that means for each analysis. See specs/data-schema.md.
"""
import importlib
import sys
from typing import List, Optional

from importers import SOURCES
from importers.billing import Billing, apply_costs, read_costs
from importers.calls import Import
from importers.common import UNKNOWN, InputFormatError
from pricing import unpriced
from pricing.catalog import builtin_catalog, load_catalog
from pricing.cli import add_price_arguments
from utils.cli import ArgumentParser, positive_int, run_main
from utils.errors import ConfigError
from utils.fsutil import check_writable
from utils.timeutil import iso, iso_day

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
LISTED = 8  # unmatched billed amounts listed one by one; the rest are summed
DEFAULT_MAX_CALLS = 20000000  # calls an import writes unless --max-calls says more
BYTES_PER_CALL = 200  # about what one call takes in our CSV


def build_parser() -> ArgumentParser:
    p = ArgumentParser(prog="import_usage.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--from", dest="source", required=True, choices=SOURCES, help="the kind of export")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="export file(s); several for a paginated export")
    p.add_argument("--output", required=True, metavar="CSV", help="the CSV to write (replaced atomically)")
    add_price_arguments(p, "prices the records whose source has no cost")
    p.add_argument("--costs", nargs="+", action="append", metavar="FILE",
                   help="billed costs that replace list prices: OpenAI /v1/organization/costs pages (--from openai) "
                        "or Anthropic cost reports (--from anthropic); matched by day, model and project/workspace")
    p.add_argument("--max-calls", type=positive_int, default=DEFAULT_MAX_CALLS, metavar="N",
                   help="the most calls the import may write (aggregated rows become many calls; default %s, about "
                        "%d GB of CSV): a larger expansion stops before writing" % (
                            format(DEFAULT_MAX_CALLS, ","), DEFAULT_MAX_CALLS * BYTES_PER_CALL // 10 ** 9))
    p.add_argument("--customer-from", metavar="FIELD",
                   help="the source field that becomes customer_id (default: the source's order, see the docs)")
    return p


def import_files(source: str, inputs: List[str], prices: Optional[str] = None,
                 customer_from: Optional[str] = None, prices_alone: bool = False) -> Import:
    """Read every input file of `source` into one Import (InputFormatError on the first bad file)."""
    module = importlib.import_module("importers." + source)
    if customer_from is not None:
        fields = module.CUSTOMER_FIELDS  # type: ignore[attr-defined]
        if not customer_from.strip() or (customer_from not in fields and not getattr(module, "CUSTOMER_ANY", False)):
            raise ConfigError("--customer-from %s: the %s export has no such customer field; choose one of %s" % (
                customer_from, source, ", ".join(fields)))
    imp = Import(source, load_catalog(prices, prices_alone), customer_from)
    for path in inputs:
        module.read(path, imp)  # type: ignore[attr-defined]
    return imp


def summary(imp: Import, inputs: List[str], output: str, bill: Optional[Billing] = None) -> List[str]:
    """The lines printed after an import: what was read, and what the data cannot support (and why)."""
    module = importlib.import_module("importers." + imp.source)
    lines = ["Wrote %d calls from %d %s record(s) in %d file(s) to %s" % (
        imp.calls, imp.records, imp.source, len(inputs), output)]
    if imp.calls:
        first = min(b.start for b in imp.buckets)
        last = max(b.start + (b.n - 1) * (b.end - b.start) // b.n for b in imp.buckets)
        cost = "$%s" % _usd(imp.cost_nano)
        if bill is not None:
            cost += " (billed amounts from --costs where they match; list price $%s)" % _usd(
                sum(b.list_micro() for b in imp.buckets) * 1000)
        lines.append("  %s input + %s output tokens, cost %s, %s to %s" % (
            format(imp.input_tokens, ","), format(imp.output_tokens, ","), cost, iso(first), iso(last)))
        if imp.catalog is not builtin_catalog():
            lines.append("  prices: %s" % imp.catalog.source)
        if imp.searches:
            lines.append("  %s web searches priced into the calls ($10 per 1,000)" % format(imp.searches, ","))
        if module.NOTES:  # type: ignore[attr-defined]
            lines.append("  note: " + module.NOTES)  # type: ignore[attr-defined]
    if bill is not None:
        lines.extend(billing_table(bill))
    return lines


def billing_table(bill: Billing) -> List[str]:
    """List price vs billed cost per day and model, then what was billed but matches no usage."""
    out = ["Billed (--costs) vs list price, per day and model:",
           "  %-10s  %-32s %8s %14s %14s %8s" % ("day", "model", "calls", "list price", "billed", "diff")]
    for (day, model), (calls, listed, billed) in sorted(bill.rows.items()):
        diff = "" if billed is None or not listed else "%+.1f%%" % ((billed - listed) * 100.0 / listed)
        out.append("  %-10s  %-32s %8d %14s %14s %8s" % (iso_day(day), model[:32], calls, "$" + _usd(listed * 1000),
                                                        "-" if billed is None else "$" + _usd(billed * 1000), diff))
    if any(r[2] is None for r in bill.rows.values()):
        out.append("  - : no billed amount for that day and model in --costs; its calls keep their list price")
    return out


def gaps(imp: Import) -> List[str]:
    """The columns this import could not fill, each with what it means for the analyses."""
    if not imp.calls:
        return []
    out = ["no %s: %s" % (c, why) for c, why in CONSEQUENCES if not imp.filled[c]]
    details = [c for c in DETAILS if not imp.filled[c]]
    if details:
        out.append("no %s (details only)" % ", ".join(details))
    return out


def warnings(imp: Import, bill: Optional[Billing] = None) -> List[str]:
    """What the user must know about this import: stand-in customers, unpriced models, duplicates, leftovers."""
    out = [w for w in (imp.pages.incomplete(), bill.pages.incomplete() if bill else None) if w]
    if imp.credits[0]:
        out.append("left out %d record(s) with a negative cost (refunds or credits) totalling -$%s: the call CSV "
                   "holds no credits" % (imp.credits[0], _usd(imp.credits[1])))
    if bill is not None:
        out.extend(billing_warnings(bill))
    if not imp.calls:
        return out + ["no usage in these files (0 calls): wrote a CSV with the header only"]
    used = [(label, n) for (c, label), n in sorted(imp.fallbacks.items()) if c == "customer_id"]
    if used:
        missing = sum(n for _, n in used)
        how = " and ".join("%s (%d call%s)" % (label if label != UNKNOWN else '"%s"' % UNKNOWN, n,
                                               "" if n == 1 else "s") for label, n in used)
        scope = "in this export" if missing == imp.calls else "for %d of %d calls" % (missing, imp.calls)
        out.append("no customer ids %s: used %s as the customer (choose with --customer-from FIELD); profitability "
                   "will be limited" % (scope, how))
    out.extend(model_warnings(imp))
    if imp.duplicates:
        out.append("skipped %d record(s) already read (the same bucket or request twice, e.g. overlapping pages)"
                   % imp.duplicates)
    for reason, n in sorted(imp.ignored.items()):
        out.append("%s: %d" % (reason, n))
    return out


def model_warnings(imp: Import) -> List[str]:
    """Calls priced at $0 or only approximately, each with the fix that works: a --prices line for the model, or a
    model the export must include."""
    module = importlib.import_module("importers." + imp.source)
    out = []
    nameless = sum(v[0] for (p, m), v in imp.unknown_models.items() if m == UNKNOWN)
    if nameless:
        out.append("%d call(s) have no model, so no price ($0): %s" % (nameless, module.NO_MODEL))  # type: ignore
    rows = [{"provider": p, "model": m, "calls": v[0], "input_tokens": v[1], "output_tokens": v[2],
             "prices_line": unpriced.prices_line(p, m)}
            for (p, m), v in sorted(imp.unknown_models.items(), key=lambda kv: (-kv[1][0], kv[0])) if m != UNKNOWN]
    if rows:
        out.append("models not in the price catalog were priced at $0: %s; fix: %s" % (
            unpriced.listing(rows), unpriced.fix(rows)))
    for how, what in (("fine-tuned", "fine-tuned models priced at their base model's list price (fine-tuned "
                                     "inference usually costs more)"),
                      ("other provider", "models priced at another provider's list price for the same model")):
        found = sorted((k, v) for k, v in imp.approximated.items() if k[2] == how)
        if found:
            items = ", ".join("%s/%s as %s (%s call%s)" % (
                k[0], k[1], k[3], format(v[0], ","), "" if v[0] == 1 else "s") for k, v in found)
            lines = "; ".join(unpriced.prices_line(k[0], k[1]) for k, _ in found[:unpriced.LISTED])
            out.append("%s: %s; to use their own prices pass --prices FILE with lines such as %s (placeholders "
                       "replaced by list prices in USD per 1M tokens)" % (what, items, lines))
    return out


def billing_warnings(bill: Billing) -> List[str]:
    """Billed amounts that are not in the CSV (matching no usage, or credits), each with how much and why."""
    out = []
    if bill.duplicates:
        out.append("--costs: skipped %d cost line(s) already read (overlapping pages)" % bill.duplicates)
    scope = "project" if bill.source == "openai" else "workspace"
    for found, what in ((bill.unmatched, "billed in %d amount(s) matches no usage and is not in the CSV"),
                        (bill.credits, "of credits in %d amount(s) is not applied: the call CSV holds no credits")):
        if not found:
            continue
        items = ["%s %s%s %s: %s" % (iso_day(day), model or "(all models)", " %s %s" % (scope, s) if s else "",
                                     _money(micro), why) for (day, model, s), micro, why in found]
        more = "" if len(items) <= LISTED else "; and %d more" % (len(items) - LISTED)
        out.append("--costs: %s %s: %s%s" % (_money(sum(m for _, m, _ in found)), what % len(items),
                                            "; ".join(items[:LISTED]), more))
    return out


def _money(micro: int) -> str:
    return ("-$" if micro < 0 else "$") + _usd(abs(micro) * 1000)


def _usd(nano: int) -> str:
    sign = "-" if nano < 0 else ""
    whole, frac = divmod(abs(nano), 1000000000)
    text = ("%s.%09d" % (format(whole, ","), frac)).rstrip("0")
    return sign + text + "0" * max(0, 2 - len(text.split(".")[1]))


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    check_writable(args.output, "output")
    imp = import_files(args.source, args.inputs, args.prices, args.customer_from, args.prices_alone)
    bill = None
    if args.costs:
        bill = apply_costs(imp, read_costs([p for group in args.costs for p in group], args.source))
    if imp.calls > args.max_calls:  # known before a byte is written: the buckets expand only in write()
        raise InputFormatError("these exports expand to %s calls (aggregated rows spread into calls), about %.1f GB "
                               "of CSV, over the limit of %s; nothing was written: pass --max-calls %d to write "
                               "them all" % (format(imp.calls, ","), imp.calls * BYTES_PER_CALL / 1e9,
                                             format(args.max_calls, ","), imp.calls))
    imp.write(args.output)  # every input was read first: --output may even replace one of them
    lines = summary(imp, args.inputs, args.output, bill)
    missing = gaps(imp)
    if missing:
        lines.append("What this export cannot support (empty columns):")
        lines.extend("  - " + g for g in missing)
    print("\n".join(lines))
    for w in warnings(imp, bill):
        sys.stderr.write("warning: %s\n" % w)
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
