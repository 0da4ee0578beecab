"""Anthropic Admin API usage reports (`/v1/organizations/usage_report/messages`, JSON): token buckets.

A report is {"data": [{"starting_at", "ending_at", "results": [result]}], "has_more", "next_page"}; a result holds
uncached_input_tokens, cache_read_input_tokens, cache_creation {ephemeral_1h_input_tokens,
ephemeral_5m_input_tokens}, output_tokens, server_tool_use {web_search_requests}, and the grouping fields
(api_key_id, workspace_id, model, service_tier, context_window, and in newer reports account_id,
service_account_id, inference_geo; null unless grouped by). It counts tokens, not requests: each result's tokens
are split over one call per hour of its bucket (a daily bucket: 24 calls, one at the top of each hour).

Prices (Anthropic's rules on the model's input price): 5-minute cache writes 1.25x (the catalog's cache-write price
when it has one), 1-hour cache writes 2x, cache reads 0.1x (the catalog's cached price when it has one); web
searches $10 per 1,000, priced into the calls.
"""
from typing import Any

from importers.calls import Import, Usage, hourly_calls
from importers.common import InputFormatError, count, data_documents, epoch_ms, short_hash

NOTES = ("Anthropic usage reports count tokens, not requests: each result's tokens were split over one call per "
         "hour of its bucket (24 per daily bucket), so call counts, per-call token sizes and latency are not real.")
# The most specific identity first: a person's or service's account, then the key it used, then the workspace.
CUSTOMER_FIELDS = ("account_id", "service_account_id", "api_key_id", "workspace_id")
REAL_CUSTOMERS = 0  # none is an end customer: every use is reported
NO_MODEL = "the usage report was not grouped by model: export it with group_by[]=model"
WEB_SEARCH_MICRO = 10000  # $10 per 1,000 web searches
SHAPE = ("expected {\"data\": [{\"starting_at\", \"ending_at\", \"results\"}]} from "
         "/v1/organizations/usage_report/messages")


def read(path: str, imp: Import) -> None:
    for where, page in data_documents(path, "an Anthropic usage report", SHAPE):
        imp.pages.saw(where, page)
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
        raise InputFormatError("%s is a cost report result (/v1/organizations/cost_report); pass it with --costs "
                               "FILE and the usage report /v1/organizations/usage_report/messages as INPUT" % where)
    if "uncached_input_tokens" not in res and "output_tokens" not in res:
        raise InputFormatError("%s has neither uncached_input_tokens nor output_tokens; expected a messages "
                               "usage result" % where)
    imp.records += 1
    if imp.seen(("anthropic", start, end, short_hash(res))):
        return
    usage = tokens(res, where)
    if not sum(usage):
        return
    imp.begin()
    ws = res.get("workspace_id")
    fields = {"provider": "anthropic", "model": res.get("model"), "organization_id": ws or "",
              "customer_id": imp.customer(res, CUSTOMER_FIELDS, REAL_CUSTOMERS)}
    batch = str(res.get("service_tier") or "").lower() == "batch"
    discount = imp.batch_pct("anthropic", str(res.get("model") or "")) if batch else 0
    imp.add_bucket(start, end, hourly_calls(start, end), usage, fields, "anthropic-%d-%s" % (start, short_hash(res)),
                   discount, scope=ws or "", search_micro=WEB_SEARCH_MICRO, where=where)


def tokens(res: Any, where: str) -> Usage:
    """The result's tokens by kind, and its web searches."""
    creation = res.get("cache_creation") or {}
    tools = res.get("server_tool_use") or {}
    if not isinstance(creation, dict):
        raise InputFormatError("%s: cache_creation is not an object" % where)
    if not isinstance(tools, dict):
        raise InputFormatError("%s: server_tool_use is not an object" % where)
    w5 = count(creation.get("ephemeral_5m_input_tokens"), "cache_creation.ephemeral_5m_input_tokens", where)
    w5 += count(res.get("cache_creation_input_tokens"), "cache_creation_input_tokens", where)  # older reports
    return Usage(uncached=count(res.get("uncached_input_tokens"), "uncached_input_tokens", where),
                 cache_read=count(res.get("cache_read_input_tokens"), "cache_read_input_tokens", where),
                 cache_write=w5,
                 cache_write_1h=count(creation.get("ephemeral_1h_input_tokens"),
                                      "cache_creation.ephemeral_1h_input_tokens", where),
                 output=count(res.get("output_tokens"), "output_tokens", where),
                 searches=count(tools.get("web_search_requests"), "server_tool_use.web_search_requests", where))
