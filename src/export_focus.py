#!/usr/bin/env python3
"""Export our AI-call CSV as FinOps FOCUS 1.2 rows, to load next to the cloud bills in a FinOps tool.

    python3 src/export_focus.py --data CSV --output PATH [--per-call] [--billing-account ID]

Default: one row per UTC day x provider x model x customer x business context (organization, product, feature,
task type, subscription tier), charge period [day start, next day start). --per-call: one row per call, charge
period [call second, +1 s). Costs are exact (nano-dollar decimal strings), so BilledCost sums to the data's total
cost; the business context is in Tags as a JSON object. Column mapping: specs/data-schema.md, "FOCUS export".
"""
import csv
import json
import sys
import time
from typing import Iterator, List, Optional, Tuple

from analyzers.engine.reader import ReadStats, iter_calls, read_header
from utils.cli import ArgumentParser, run_main
from utils.fsutil import atomic_open, check_writable
from utils.paths import DEFAULT_DATA
from utils.timeutil import days_from_civil, iso

COLUMNS = [
    "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd",
    "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd",
    "ChargePeriodStart", "ConsumedQuantity", "ConsumedUnit", "ContractedCost", "EffectiveCost", "InvoiceIssuerName",
    "ListCost", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "ResourceId", "ResourceName",
    "ServiceCategory", "ServiceName", "ServiceSubcategory", "SkuId", "SubAccountId", "SubAccountName", "Tags",
    "x_Calls", "x_InputTokens", "x_OutputTokens",
]
# our provider id -> (ProviderName, ServiceName); InvoiceIssuerName is the provider (billed directly)
PROVIDERS = {
    "openai": ("OpenAI", "OpenAI API"), "anthropic": ("Anthropic", "Anthropic API"),
    "bedrock": ("AWS", "Amazon Bedrock"), "google": ("Google Cloud", "Gemini API"),
    "azure": ("Microsoft", "Azure OpenAI Service"), "mistral": ("Mistral AI", "Mistral AI API"),
    "cohere": ("Cohere", "Cohere API"),
}
# model id prefix -> who made the model (PublisherName), when it is not the provider (e.g. Claude on Bedrock)
PUBLISHERS = (("anthropic.", "Anthropic"), ("claude", "Anthropic"), ("gpt", "OpenAI"), ("o1", "OpenAI"),
              ("o3", "OpenAI"), ("o4", "OpenAI"), ("gemini", "Google"), ("mistral", "Mistral AI"),
              ("command", "Cohere"), ("meta.", "Meta"), ("llama", "Meta"), ("amazon.", "Amazon"))
TAG_KEYS = ("customer_id", "organization_id", "product_id", "feature_id", "task_type", "subscription_tier")


def build_parser() -> ArgumentParser:
    p = ArgumentParser(prog="export_focus.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default=DEFAULT_DATA, metavar="CSV", help="our AI-call CSV (default %(default)s)")
    p.add_argument("--output", required=True, metavar="PATH", help="the FOCUS CSV to write (replaced atomically)")
    p.add_argument("--per-call", action="store_true", help="one FOCUS row per call instead of per day and context")
    p.add_argument("--billing-account", default="revenium-showcase", metavar="ID",
                   help="BillingAccountId and BillingAccountName (default %(default)s)")
    return p


def money(nano: int) -> str:
    """Exact USD text of nano-dollars: 6 decimals when exact to the micro-dollar, else 9."""
    sign = "-" if nano < 0 else ""
    whole, frac = divmod(abs(nano), 1000000000)
    if frac % 1000 == 0:
        return "%s%d.%06d" % (sign, whole, frac // 1000)
    return "%s%d.%09d" % (sign, whole, frac)


def month_bounds(ts: int) -> Tuple[str, str]:
    """ISO UTC start and end of the calendar month of epoch second `ts`."""
    t = time.gmtime(ts)
    y, m = t.tm_year, t.tm_mon
    ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
    return iso(days_from_civil(y, m, 1) * 86400), iso(days_from_civil(ny, nm, 1) * 86400)


def publisher(model: str, provider_display: str) -> str:
    low = model.lower()
    for prefix, name in PUBLISHERS:
        if low.startswith(prefix):
            return name
    return provider_display


def focus_row(account: str, start: int, end: int, provider: str, model: str, context: Tuple[str, ...],
              calls: int, inp: int, out: int, cost: int) -> List[str]:
    """One FOCUS row (values in COLUMNS order) for `calls` calls of one model in [start, end)."""
    pname, service = PROVIDERS.get(provider, (provider.title() or "Unknown", "%s API" % (provider.title() or "Unknown")))
    bstart, bend = month_bounds(start)
    tags = {k: v for k, v in zip(TAG_KEYS, context) if v}
    org = context[1]
    c = money(cost)
    tokens = str(inp + out)
    what = "%d call%s" % (calls, "" if calls == 1 else "s")
    desc = "%s %s: %s, %d input + %d output tokens" % (pname, model, what, inp, out)
    return [c, account, account, "USD", bend, bstart, "Usage", "", desc, "Usage-Based", iso(end), iso(start), tokens,
            "Tokens", c, c, pname, c, tokens, "Tokens", pname, publisher(model, pname), "%s/%s" % (provider, model),
            model, "AI and Machine Learning", service, "Generative AI", "%s/%s" % (provider, model), org, org,
            json.dumps(tags, sort_keys=True, separators=(",", ":")), str(calls), str(inp), str(out)]


def _context(call) -> Tuple[str, ...]:
    return (call.customer_id, call.organization_id, call.product_id, call.feature_id, call.task_type, call.tier)


def daily_rows(calls, account: str, totals: List[int]) -> Iterator[List[str]]:
    """One row per UTC day x provider x model x business context, sorted; memory bounded by the groups."""
    groups = {}  # type: Dict[Tuple, List[int]]
    for call in calls:
        key = (call.ts // 86400, call.provider, call.model) + _context(call)
        g = groups.get(key)
        if g is None:
            g = groups[key] = [0, 0, 0, 0]
        g[0] += 1
        g[1] += call.input_tokens
        g[2] += call.output_tokens
        g[3] += call.cost_nano
    for key in sorted(groups):
        n, inp, out, cost = groups[key]
        totals[0] += n
        totals[1] += cost
        day = key[0] * 86400
        yield focus_row(account, day, day + 86400, key[1], key[2], key[3:], n, inp, out, cost)


def call_rows(calls, account: str, totals: List[int]) -> Iterator[List[str]]:
    """One row per call, in file order; ChargePeriod is the call's second."""
    for call in calls:
        totals[0] += 1
        totals[1] += call.cost_nano
        yield focus_row(account, call.ts, call.ts + 1, call.provider, call.model, _context(call), 1,
                        call.input_tokens, call.output_tokens, call.cost_nano) + [call.call_id]


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    check_writable(args.output, "output")
    header = read_header(args.data)
    stats = ReadStats()
    calls = iter_calls(args.data, stats, header) if header is not None else iter([])
    totals = [0, 0]  # calls, nano-dollars
    rows = call_rows(calls, args.billing_account, totals) if args.per_call else daily_rows(
        calls, args.billing_account, totals)
    written = 0
    with atomic_open(args.output, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS + (["x_CallId"] if args.per_call else []))
        for row in rows:
            w.writerow(row)
            written += 1
    print("Wrote %d FOCUS 1.2 row(s) for %d call(s), BilledCost total $%s, to %s" % (
        written, totals[0], money(totals[1]), args.output))
    if stats.skipped_rows:
        sys.stderr.write("warning: skipped %d unusable row(s) of %s: %s\n" % (stats.skipped_rows, args.data, ", ".join(
            "%s %d" % kv for kv in sorted(stats.skipped.items()))))
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
