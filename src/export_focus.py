#!/usr/bin/env python3
"""Export our AI-call CSV as FinOps FOCUS 1.2 rows, to load next to the cloud bills in a FinOps tool.

    python3 src/export_focus.py --data CSV --output PATH [--per-call] [--billing-account ID]
                                [--prices FILE [--prices-alone]]

One row per SKU price used: per UTC day x provider x model x customer x business context (organization, product,
feature, task type, subscription tier) x token type (input, cached input, cache write, output; a type without
tokens has no row); --per-call: per call x token type. A model is a SKU and each token type one of its prices,
per 1,000,000 tokens at the price catalog's list price. The cost of each group of calls is split over its token
types in proportion to their list-price cost, exactly, so BilledCost sums to the data's total cost. Column
mapping: specs/data-schema.md, "FOCUS export".
"""
import csv
import json
import sys
import time
from typing import Dict, Iterator, List, Optional, Set, Tuple

from analyzers.engine.reader import ReadStats, iter_input_calls
from pricing import unpriced
from pricing.catalog import Catalog
from pricing.cli import add_price_arguments, catalog_from_args
from utils.cli import ArgumentParser, run_main
from utils.fsutil import atomic_open, check_writable
from utils.money import split_exactly
from utils.paths import DEFAULT_DATA
from utils.timeutil import days_from_civil, iso

# CommitmentDiscountStatus (null) and the PricingCurrency* columns are not needed by FOCUS for this data; the
# FinOps Foundation's validator asks for them once the data claims public list prices (specs/data-schema.md).
COLUMNS = [
    "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd",
    "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd",
    "ChargePeriodStart", "CommitmentDiscountStatus", "ConsumedQuantity", "ConsumedUnit", "ContractedCost",
    "EffectiveCost", "InvoiceId", "InvoiceIssuerName", "ListCost", "ListUnitPrice", "PricingCurrency",
    "PricingCurrencyContractedUnitPrice", "PricingCurrencyEffectiveCost", "PricingCurrencyListUnitPrice",
    "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "ResourceId", "ResourceName",
    "ServiceCategory", "ServiceName", "ServiceSubcategory", "SkuId", "SkuMeter", "SkuPriceDetails", "SkuPriceId",
    "SubAccountId", "SubAccountName", "Tags", "x_Calls", "x_InputTokens", "x_OutputTokens",
]
PRICING_UNIT = "1000000 Tokens"  # FOCUS UnitFormat "<unit-quantity> <plural-units>": list prices are per 1M tokens
# (SkuPriceId suffix, SkuMeter, the catalog's price field, counted as input tokens), in row order. Our CSV has no
# cached or cache-write token counts yet: every input token is priced as input, and those two types have no rows.
TOKEN_TYPES = (
    ("input", "Input Tokens", "input_micro_per_1m", True),
    ("cached_input", "Cached Input Tokens", "cached_input_micro_per_1m", True),
    ("cache_write", "Cache Write Tokens", "cache_write_micro_per_1m", True),
    ("output", "Output Tokens", "output_micro_per_1m", False),
)
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

Prices = Optional[Tuple[Optional[int], ...]]  # micro-dollars per 1M tokens by token type; None: not in the catalog


def build_parser() -> ArgumentParser:
    p = ArgumentParser(prog="export_focus.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default=DEFAULT_DATA, metavar="CSV",
                   help="our AI-call CSV, a folder of them or a glob (.csv.gz too) (default %(default)s)")
    p.add_argument("--output", required=True, metavar="PATH", help="the FOCUS CSV to write (replaced atomically)")
    p.add_argument("--per-call", action="store_true",
                   help="rows per call and token type instead of per day, context and token type")
    p.add_argument("--billing-account", default="revenium-showcase", metavar="ID",
                   help="BillingAccountId and BillingAccountName (default %(default)s)")
    add_price_arguments(p, "for ListUnitPrice")
    return p


def decimal_text(units: int, scale: int, min_places: int = 6) -> str:
    """Exact decimal text of `units` x 10^-scale, with at least `min_places` decimals (more only when needed)."""
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(units), 10 ** scale)
    digits = ("%0*d" % (scale, frac)).rstrip("0") if scale else ""
    digits += "0" * (min_places - len(digits))
    return "%s%d.%s" % (sign, whole, digits) if digits else "%s%d" % (sign, whole)


def money(nano: int) -> str:
    """Exact USD text of nano-dollars: 6 decimals, more when the amount is finer than a micro-dollar."""
    return decimal_text(nano, 9)


def month_bounds(ts: int) -> Tuple[str, str]:
    """ISO UTC start and end of the calendar month of epoch second `ts`."""
    t = time.gmtime(ts)
    y, m = t.tm_year, t.tm_mon
    ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
    return iso(days_from_civil(y, m, 1) * 86400), iso(days_from_civil(ny, nm, 1) * 86400)


def publisher(model: str, provider_display: str) -> str:
    """Who made the model (PublisherName): known by its id's prefix, else the provider."""
    low = model.lower()
    for prefix, name in PUBLISHERS:
        if low.startswith(prefix):
            return name
    return provider_display


class Sku(object):
    """What every row of one provider's model shares: names, SKU id and the list prices of its token types."""
    __slots__ = ("provider", "model", "provider_name", "service", "publisher", "sku_id", "prices")

    def __init__(self, provider: str, model: str, catalog: Catalog) -> None:
        title = provider.title()
        self.provider, self.model = provider, model
        self.provider_name, self.service = PROVIDERS.get(provider, (title, "%s API" % title))
        self.publisher = publisher(model, self.provider_name)
        self.sku_id = "%s/%s" % (provider, model)
        r = catalog.resolve(provider, model)
        entry = r.entry if r is not None else None
        self.prices = None if entry is None else tuple(getattr(entry, t[2]) for t in TOKEN_TYPES)  # type: Prices


def split_cost(cost_nano: int, tokens: Tuple[int, ...], prices: Prices) -> List[Tuple[int, int]]:
    """(token type index, nano-dollars) for each token type the tokens use, the cost split in proportion to the
    types' list-price cost; in proportion to tokens when a used type has no list price. A group without any token
    keeps its cost on one input row."""
    used = [i for i, n in enumerate(tokens) if n] or [0]
    if prices is not None and all(prices[i] is not None for i in used):
        weights = [tokens[i] * prices[i] for i in used]  # type: ignore[operator]
    else:
        weights = []
    if not any(weights):
        weights = [tokens[i] for i in used]
    return list(zip(used, split_exactly(cost_nano, weights)))


def focus_rows(account: str, start: int, end: int, sku: Sku, context: Tuple[str, ...], calls: int,
               tokens: Tuple[int, ...], cost_nano: int) -> Iterator[Dict[str, object]]:
    """The FOCUS rows (dicts by column) of `calls` calls of one SKU and context in [start, end), one per token
    type used. x_Calls is on the first row only, so that every numeric column sums to the data's figures."""
    bstart, bend = month_bounds(start)
    org = context[1] or None
    tags = json.dumps({k: v for k, v in zip(TAG_KEYS, context) if v}, sort_keys=True, separators=(",", ":"))
    for n, (i, billed) in enumerate(split_cost(cost_nano, tokens, sku.prices)):
        key, meter, _, is_input = TOKEN_TYPES[i]
        price = None if sku.prices is None else sku.prices[i]
        count = tokens[i]
        c = money(billed)
        unit_price = None if price is None else decimal_text(price, 6)
        listed = c if price is None else decimal_text(count * price, 12)
        yield {
            "BilledCost": c, "BillingAccountId": account, "BillingAccountName": account, "BillingCurrency": "USD",
            "BillingPeriodEnd": bend, "BillingPeriodStart": bstart, "ChargeCategory": "Usage", "ChargeClass": None,
            "ChargeDescription": _description(sku, meter, count, calls, price), "ChargeFrequency": "Usage-Based",
            "ChargePeriodEnd": iso(end), "ChargePeriodStart": iso(start), "CommitmentDiscountStatus": None,
            "ConsumedQuantity": decimal_text(count, 0, 1), "ConsumedUnit": "Tokens", "ContractedCost": c,
            "EffectiveCost": c, "InvoiceId": None, "InvoiceIssuerName": sku.provider_name, "ListCost": listed,
            "ListUnitPrice": unit_price, "PricingCurrency": "USD", "PricingCurrencyContractedUnitPrice": None,
            "PricingCurrencyEffectiveCost": c, "PricingCurrencyListUnitPrice": unit_price,
            "PricingQuantity": decimal_text(count, 6), "PricingUnit": PRICING_UNIT,
            "ProviderName": sku.provider_name, "PublisherName": sku.publisher, "ResourceId": sku.sku_id,
            "ResourceName": sku.model, "ServiceCategory": "AI and Machine Learning", "ServiceName": sku.service,
            "ServiceSubcategory": "Generative AI", "SkuId": sku.sku_id, "SkuMeter": meter,
            "SkuPriceDetails": '{"x_TokenType":"%s"}' % key, "SkuPriceId": "%s/%s" % (sku.sku_id, key),
            "SubAccountId": org, "SubAccountName": org, "Tags": tags,
            "x_Calls": calls if n == 0 else 0, "x_InputTokens": count if is_input else 0,
            "x_OutputTokens": 0 if is_input else count,
        }


def _description(sku: Sku, meter: str, count: int, calls: int, price: Optional[int]) -> str:
    """ChargeDescription: what was used and at which list price."""
    what = "%s %s %s: %d tokens, %d call%s" % (sku.provider_name, sku.model, meter.lower(), count, calls,
                                               "" if calls == 1 else "s")
    if price is None:
        return what + ", no list price in the catalog"
    return "%s, list price $%s per 1M tokens" % (what, decimal_text(price, 6, 2))


def _context(call) -> Tuple[str, ...]:
    return (call.customer_id, call.organization_id, call.product_id, call.feature_id, call.task_type, call.tier)


def _tokens(call) -> Tuple[int, int, int, int]:
    """The call's tokens by token type (TOKEN_TYPES order)."""
    return (call.input_tokens, 0, 0, call.output_tokens)


class Export(object):
    """Streams calls into FOCUS rows; counts calls and cost, and remembers the models without a list price."""

    def __init__(self, account: str, catalog: Catalog) -> None:
        self.account = account
        self.catalog = catalog
        self.calls = 0
        self.cost_nano = 0
        self.unpriced = set()  # type: Set[Tuple[str, str]]  # (provider, model) without a list price
        self._skus = {}  # type: Dict[Tuple[str, str], Sku]

    def sku(self, provider: str, model: str) -> Sku:
        s = self._skus.get((provider, model))
        if s is None:
            s = self._skus[(provider, model)] = Sku(provider, model, self.catalog)
            if s.prices is None:
                self.unpriced.add((provider, model))
        return s

    def daily_rows(self, calls) -> Iterator[Dict[str, object]]:
        """Rows per UTC day x provider x model x business context x token type, sorted; memory bounded by the
        groups."""
        groups = {}  # type: Dict[Tuple, List[int]]
        for call in calls:
            key = (call.ts // 86400, call.provider, call.model) + _context(call)
            g = groups.get(key)
            if g is None:
                g = groups[key] = [0, 0, 0, 0, 0, 0]
            g[0] += 1
            g[1] += call.cost_nano
            for i, n in enumerate(_tokens(call)):
                g[2 + i] += n
        for key in sorted(groups):
            g = groups[key]
            self.calls += g[0]
            self.cost_nano += g[1]
            day = key[0] * 86400
            for row in focus_rows(self.account, day, day + 86400, self.sku(key[1], key[2]), key[3:], g[0],
                                  tuple(g[2:]), g[1]):
                yield row

    def call_rows(self, calls) -> Iterator[Dict[str, object]]:
        """Rows per call x token type, in file order; ChargePeriod is the call's second."""
        for call in calls:
            self.calls += 1
            self.cost_nano += call.cost_nano
            for row in focus_rows(self.account, call.ts, call.ts + 1, self.sku(call.provider, call.model),
                                  _context(call), 1, _tokens(call), call.cost_nano):
                row["x_CallId"] = call.call_id or None
                yield row


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    check_writable(args.output, "output")
    export = Export(args.billing_account, catalog_from_args(args))
    stats = ReadStats()
    calls = iter_input_calls(args.data, stats)  # a file, a folder or a glob
    rows = export.call_rows(calls) if args.per_call else export.daily_rows(calls)
    columns = COLUMNS + (["x_CallId"] if args.per_call else [])
    written = 0
    with atomic_open(args.output, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(columns)
        for row in rows:
            w.writerow([row[c] for c in columns])
            written += 1
    print("Wrote %d FOCUS 1.2 row(s) for %d call(s), BilledCost total $%s, to %s" % (
        written, export.calls, money(export.cost_nano), args.output))
    if export.unpriced:
        found = sorted(export.unpriced)
        sys.stderr.write("note: no list price in the catalog for %s: their rows have no ListUnitPrice; to add them, "
                         "pass --prices FILE, a CSV with the header %s and the lines %s (placeholders replaced by list "
                         "prices in USD per 1M tokens)\n" % (", ".join("%s/%s" % pm for pm in found), unpriced.HEADER,
                                                            "; ".join(unpriced.prices_line(*pm) for pm in found)))
    if stats.skipped_rows:
        sys.stderr.write("warning: skipped %d unusable row(s) of %s: %s\n" % (stats.skipped_rows, args.data, ", ".join(
            "%s %d" % kv for kv in sorted(stats.skipped.items()))))
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
