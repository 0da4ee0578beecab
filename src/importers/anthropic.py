"""Anthropic Admin API usage reports (`/v1/organizations/usage_report/messages`, JSON): token buckets.

A report is {"data": [{"starting_at", "ending_at", "results": [result]}], "has_more", "next_page"}; a result holds
uncached_input_tokens, cache_read_input_tokens, cache_creation {ephemeral_1h_input_tokens,
ephemeral_5m_input_tokens}, output_tokens, and the grouping fields (api_key_id, workspace_id, model, service_tier,
context_window; null unless grouped by). It counts tokens, not requests: each result becomes one call.
"""
from typing import Any

from importers.common import Import, InputFormatError, count, epoch_ms, load_json, short_hash

NOTES = ("Anthropic usage reports count tokens, not requests: each bucket x model x workspace row became one call, "
         "so call counts, per-call token sizes and latency are not real.")


def read(path: str, imp: Import) -> None:
    doc = load_json(path)
    pages = doc if isinstance(doc, list) and all(isinstance(p, dict) and "data" in p for p in doc) else [doc]
    for p, page in enumerate(pages):
        where = path if len(pages) == 1 else "%s page %d" % (path, p + 1)
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            raise InputFormatError("%s is not an Anthropic usage report: expected {\"data\": [{\"starting_at\", "
                                   "\"ending_at\", \"results\"}]} from /v1/organizations/usage_report/messages" % where)
        for b, bucket in enumerate(page["data"]):
            w = "%s: data[%d]" % (where, b)
            if not isinstance(bucket, dict):
                raise InputFormatError("%s is not a bucket object" % w)
            start = epoch_ms(bucket.get("starting_at"), "starting_at", w) // 1000
            end = epoch_ms(bucket.get("ending_at"), "ending_at", w) // 1000
            results = bucket.get("results") or []
            if not isinstance(results, list):
                raise InputFormatError("%s: results is not a list" % w)
            for r, res in enumerate(results):
                _result(res, start, end, "%s.results[%d]" % (w, r), imp)


def _result(res: Any, start: int, end: int, where: str, imp: Import) -> None:
    if not isinstance(res, dict):
        raise InputFormatError("%s is not a result object" % where)
    if "amount" in res or "cost_type" in res:
        raise InputFormatError("%s is a cost report result (/v1/organizations/cost_report); import the usage "
                               "report /v1/organizations/usage_report/messages instead" % where)
    if "uncached_input_tokens" not in res and "output_tokens" not in res:
        raise InputFormatError("%s has neither uncached_input_tokens nor output_tokens; expected a messages "
                               "usage result" % where)
    imp.records += 1
    if imp.seen(("anthropic", start, end, short_hash(res))):
        return
    creation = res.get("cache_creation") or {}
    if not isinstance(creation, dict):
        raise InputFormatError("%s: cache_creation is not an object" % where)
    uncached = count(res.get("uncached_input_tokens"), "uncached_input_tokens", where)
    read_ = count(res.get("cache_read_input_tokens"), "cache_read_input_tokens", where)
    write = sum(count(creation.get(k), "cache_creation." + k, where)
                for k in ("ephemeral_1h_input_tokens", "ephemeral_5m_input_tokens"))
    write += count(res.get("cache_creation_input_tokens"), "cache_creation_input_tokens", where)  # older reports
    out = count(res.get("output_tokens"), "output_tokens", where)
    searches = (res.get("server_tool_use") or {}).get("web_search_requests") if isinstance(
        res.get("server_tool_use"), dict) else None
    if count(searches, "server_tool_use.web_search_requests", where):
        imp.ignored["web search requests not priced (only tokens are)"] += count(searches, "web_search_requests", where)
    if not (uncached or read_ or write or out):
        return
    imp.begin()
    ws = res.get("workspace_id")
    fields = {"provider": "anthropic", "model": res.get("model"), "organization_id": ws or "",
              "customer_id": imp.pick("customer_id", [("workspace_id", ws), ("api_key_id", res.get("api_key_id"))],
                                      real=0)}
    batch = str(res.get("service_tier") or "").lower() == "batch"
    imp.add_bucket(start, end, 1, uncached, read_, write, out, fields, "anthropic-%d-%s" % (start, short_hash(res)),
                   imp.catalog.batch_discount_pct if batch else 0)
