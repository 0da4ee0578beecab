"""Billed costs next to the usage (--costs): OpenAI `/v1/organization/costs` pages and Anthropic cost reports
(`/v1/organizations/cost_report`) replace the list price of the calls they match.

Reading: OpenAI results {"object": "organization.costs.result", "amount": {"value", "currency"}, "line_item",
"project_id"} (the model is the line item up to its first comma: "gpt-4o-2024-08-06, input"); Anthropic results
{"amount" (a decimal string in cents), "currency", "cost_type", "token_type", "model", "workspace_id",
"description"}. Both come in daily buckets, one page per file or a JSON list of pages.

Matching (specs/data-schema.md, "Billed costs"): the lines of one UTC day, model and project/workspace are added up
(exactly, in USD) and rounded once to the micro-dollar. Such an amount applies to the usage buckets that start on
that day, of that model (the same id, else the same catalog model: a dated id matches its family), and of that
project/workspace when both sides name one. A line without a model (no line_item, web search or code execution
fees) applies to every bucket of its day (and project/workspace). The amount is split over the matching buckets in
proportion to their list price (by tokens when they have none, by calls when they have no tokens), in whole
micro-dollars by largest remainder, then over each bucket's calls as every bucket cost is: the CSV sums exactly to
the billed total. An amount that matches no usage, or is negative (a credit), is reported, and not in the CSV.
"""
from collections import OrderedDict
from decimal import Decimal
from typing import Any, Dict, List, Optional, Tuple

from importers.calls import Bucket, Import
from importers.common import InputFormatError, Pages, decimal, epoch_ms, epoch_s, load_json, micro_of, short_hash
from utils.money import split_exactly

Key = Tuple[int, str, str]  # (epoch day, model or "", project/workspace or "")
SCOPE = {"openai": "project", "anthropic": "workspace"}


class Billing(object):
    """What --costs did: per (day, model) the list price and the billed amount, and what matched nothing."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.pages = Pages("costs export", "pass it with --costs too")
        self.amounts = OrderedDict()  # type: Dict[Key, Decimal]  # USD per match key
        self.duplicates = 0
        self.unmatched = []  # type: List[Tuple[Key, int, str]]  # (key, micro-dollars, why): no usage matches
        self.credits = []  # type: List[Tuple[Key, int, str]]  # negative amounts, not applied
        self.rows = OrderedDict()  # type: Dict[Tuple[int, str], List[Any]]  # -> [calls, list micro, billed micro]
        self._seen = set()  # type: set

    def add(self, start: int, model: Any, scope: Any, usd: Decimal, result: Dict[str, Any]) -> None:
        key = (start, short_hash(result))
        if key in self._seen:
            self.duplicates += 1
            return
        self._seen.add(key)
        k = (start // 86400, str(model or "").strip(), str(scope or "").strip())
        self.amounts[k] = self.amounts.get(k, Decimal(0)) + usd


def read_costs(paths: List[str], source: str) -> Billing:
    """Every cost line of `paths` (the billing format of `source`), added up per match key."""
    if source not in SCOPE:
        raise InputFormatError("--costs reads OpenAI costs pages or Anthropic cost reports: use it with --from "
                               "openai or --from anthropic, not --from %s" % source)
    bill = Billing(source)
    for path in paths:
        doc = load_json(path)
        items = doc if isinstance(doc, list) else [doc]
        for k, item in enumerate(items):
            where = path if len(items) == 1 else "%s item %d" % (path, k + 1)
            if isinstance(item, dict) and isinstance(item.get("data"), list):
                bill.pages.saw(where, item)
                buckets = [("%s: data[%d]" % (where, b), x) for b, x in enumerate(item["data"])]
            elif isinstance(item, dict) and ("results" in item or "result" in item):
                buckets = [("%s: [%d]" % (path, k), item)]
            else:
                raise InputFormatError("%s is not a costs export: expected %s" % (where, _shape(source)))
            for w, bucket in buckets:
                _bucket(bucket, w, bill)
    return bill


def _shape(source: str) -> str:
    if source == "openai":
        return "pages of /v1/organization/costs {\"object\": \"page\", \"data\": [{\"start_time\", \"results\"}]}"
    return "reports of /v1/organizations/cost_report {\"data\": [{\"starting_at\", \"results\"}]}"


def _bucket(bucket: Any, where: str, bill: Billing) -> None:
    if not isinstance(bucket, dict):
        raise InputFormatError("%s is not a bucket object" % where)
    if bill.source == "openai":
        start = epoch_s(bucket.get("start_time"), "start_time", where)
    else:
        start = epoch_ms(bucket.get("starting_at"), "starting_at", where) // 1000
    results = bucket.get("results", bucket.get("result")) or []
    if not isinstance(results, list):
        raise InputFormatError("%s: results is not a list" % where)
    for r, res in enumerate(results):
        w = "%s.results[%d]" % (where, r)
        if not isinstance(res, dict) or "amount" not in res:
            raise InputFormatError("%s is not a cost result with an amount; expected %s (usage files are INPUT, "
                                   "not --costs)" % (w, _shape(bill.source)))
        if bill.source == "openai":
            amount = res["amount"] if isinstance(res["amount"], dict) else {"value": res["amount"]}
            _currency(amount.get("currency"), w)
            usd = decimal(amount.get("value"), "amount.value", w)
            line = str(res.get("line_item") or "")
            bill.add(start, line.split(",")[0], res.get("project_id"), usd, res)
        else:
            _currency(res.get("currency"), w)
            usd = decimal(res.get("amount"), "amount", w) / 100  # cents as a decimal string
            bill.add(start, res.get("model"), res.get("workspace_id"), usd, res)


def _currency(value: Any, where: str) -> None:
    if value is not None and str(value).strip().lower() != "usd":
        raise InputFormatError("%s: currency is %s; our CSV is in USD, so only USD costs can replace list prices"
                               % (where, str(value)[:20]))


def apply_costs(imp: Import, bill: Billing) -> Billing:
    """Replace the list price of the matching buckets by the billed amounts (see the module docstring)."""
    by_day = {}  # type: Dict[int, List[Bucket]]
    for b in imp.buckets:
        by_day.setdefault(b.start // 86400, []).append(b)
    for key in sorted(bill.amounts):
        micro = micro_of(bill.amounts[key], "--costs")
        if micro < 0:
            bill.credits.append((key, micro, "a credit or refund"))
            continue
        found = match(by_day.get(key[0], []), key, imp, SCOPE[bill.source])
        if isinstance(found, str):
            bill.unmatched.append((key, micro, found))
            continue
        for b, share in zip(found, split_exactly(micro, _weights(found))):
            b.billed = (b.billed or 0) + share
    for b in imp.buckets:
        if b.billed is not None:
            b.fixed = (b.billed, 6)
        row = bill.rows.setdefault((b.start // 86400, b.fields[1]), [0, 0, None])
        row[0] += b.n
        row[1] += b.list_micro()
        if b.billed is not None:
            row[2] = (row[2] or 0) + b.billed
    return bill


def match(day: List[Bucket], key: Key, imp: Import, scope_name: str) -> Any:
    """The buckets a billed amount applies to, or why there is none (a string)."""
    _, model, scope = key
    where = " in %s %s" % (scope_name, scope) if scope else ""
    if not day:
        return "no usage on that day"
    found = [b for b in day if not scope or not b.scope or b.scope == scope]
    if not found:
        return "no usage%s on that day" % where
    if model:
        same = [b for b in found if b.fields[1] == model]
        if not same:
            family = _family(model, imp)
            same = [b for b in found if family is not None and _family(b.fields[1], imp) == family]
        if not same:
            return "no usage of %s%s on that day" % (model, where)
        found = same
    return found


def _family(model: str, imp: Import) -> Optional[Tuple[str, str]]:
    r = imp.catalog.resolve("", model) or imp.catalog.resolve("", model.strip().lower().replace(" ", "-"))
    return (r.entry.provider, r.entry.model) if r is not None else None


def _weights(buckets: List[Bucket]) -> List[int]:
    for w in ([b.list_exact() for b in buckets], [b.tokens() for b in buckets]):
        if sum(w):
            return w
    return [b.n for b in buckets]

