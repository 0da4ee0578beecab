"""OpenAI organization usage (`/v1/organization/usage/completions`, JSON): aggregated buckets.

A page is {"object": "page", "data": [bucket], "has_more", "next_page"}; a bucket {"start_time", "end_time",
"results": [result]}; a result counts `num_model_requests` requests with their tokens, grouped by whichever of
project_id, user_id, api_key_id, model and batch the export asked for (the others are null). A file holds one page,
a JSON list of pages, or a JSON list of buckets (the usage cookbook's concatenated `data` arrays, no envelope).

Two shapes of result: current pages carry split fields (input_text_tokens, input_image_tokens,
input_cache_write_tokens, output_text_tokens, ...) and their input_tokens / output_tokens are totals that already
include audio and image tokens and cache writes; older pages (no split fields) had text-only input_tokens and
output_tokens, audio apart. Costs are not in these pages: list prices, or the billed amounts of --costs.
"""
from typing import Any, Dict, Tuple

from importers.calls import Import, Usage
from importers.common import MAX_CALLS, InputFormatError, count, epoch_s, load_json, short_hash

NOTES = ("OpenAI usage pages aggregate requests: calls are spread evenly over each bucket's window, so hourly "
         "patterns and anomalies within a bucket, per-call token sizes and latency are not real.")
CUSTOMER_FIELDS = ("user_id", "project_id", "api_key_id")  # none is a customer: every use is reported
REAL_CUSTOMERS = 0
NO_MODEL = "the usage pages were not grouped by model: export them with group_by=model"
# Present only in current pages, whose input_tokens / output_tokens already include audio and image tokens.
SPLIT_FIELDS = ("input_text_tokens", "input_image_tokens", "input_uncached_tokens", "input_cache_write_tokens",
                "input_cached_text_tokens", "input_cached_audio_tokens", "input_cached_image_tokens",
                "output_text_tokens", "output_image_tokens")
SHAPE = ("expected a page {\"object\": \"page\", \"data\": [buckets]} of /v1/organization/usage/completions, a list "
         "of pages, or a list of buckets {\"start_time\", \"end_time\", \"results\"}")


def read(path: str, imp: Import) -> None:
    doc = load_json(path)
    items = doc if isinstance(doc, list) else [doc]
    for k, item in enumerate(items):
        where = path if len(items) == 1 else "%s item %d" % (path, k + 1)
        if is_bucket(item):
            _bucket(item, "%s: [%d]" % (path, k) if len(items) > 1 else path, imp)
        elif isinstance(item, dict) and isinstance(item.get("data"), list):
            imp.pages.saw(where, item)
            for b, bucket in enumerate(item["data"]):
                _bucket(bucket, "%s: data[%d]" % (where, b), imp)
        else:
            raise InputFormatError("%s is not an OpenAI usage page or bucket: %s" % (where, SHAPE))


def is_bucket(item: Any) -> bool:
    """A bucket of the cookbook's list (no page envelope)."""
    return isinstance(item, dict) and "start_time" in item and ("results" in item or "result" in item)


def _bucket(bucket: Any, where: str, imp: Import) -> None:
    if not isinstance(bucket, dict):
        raise InputFormatError("%s is not a bucket object" % where)
    start = epoch_s(bucket.get("start_time"), "start_time", where)
    end = epoch_s(bucket.get("end_time"), "end_time", where)
    results = bucket.get("results", bucket.get("result"))
    if results is None:
        results = []
    if not isinstance(results, list):
        raise InputFormatError("%s: results is not a list" % where)
    for r, res in enumerate(results):
        _result(res, start, end, "%s.results[%d]" % (where, r), imp)


def _result(res: Any, start: int, end: int, where: str, imp: Import) -> None:
    if not isinstance(res, dict):
        raise InputFormatError("%s is not a result object" % where)
    if "costs" in str(res.get("object") or "") or "amount" in res:
        raise InputFormatError("%s is a costs result (/v1/organization/costs); pass costs with --costs FILE and "
                               "the usage pages of /v1/organization/usage/completions as INPUT" % where)
    if "input_tokens" not in res:
        raise InputFormatError("%s has no input_tokens; expected a completions usage result" % where)
    imp.records += 1
    if imp.seen(("openai", start, end, short_hash(res))):
        return
    usage, media = tokens(res, where)
    n = count(res.get("num_model_requests"), "num_model_requests", where,
              None if "num_model_requests" in res else 1, MAX_CALLS)
    if n == 0:
        if sum(usage):
            raise InputFormatError("%s: tokens without requests (num_model_requests is 0)" % where)
        return
    if media:
        imp.ignored["audio and image tokens priced at the model's text prices (tokens)"] += media
    imp.begin()
    fields = {"provider": "openai", "model": res.get("model"), "organization_id": res.get("project_id") or "",
              "customer_id": imp.customer(res, CUSTOMER_FIELDS, REAL_CUSTOMERS)}
    batch = res.get("batch") is True
    discount = imp.batch_pct("openai", str(res.get("model") or "")) if batch else 0
    imp.add_bucket(start, end, n, usage, fields, "openai-%d-%s" % (start, short_hash(res)), discount,
                   scope=res.get("project_id") or "", where=where)


def tokens(res: Dict[str, Any], where: str) -> Tuple[Usage, int]:
    """The result's tokens by kind, and how many of them are audio or image tokens (priced at text prices)."""
    def c(k: str) -> int:
        return count(res.get(k), k, where)
    inp, out, cached = c("input_tokens"), c("output_tokens"), c("input_cached_tokens")
    if any(k in res for k in SPLIT_FIELDS):  # current pages: totals, cache writes inside them
        write = c("input_cache_write_tokens")
        if cached + write > inp:
            raise InputFormatError("%s: input_cached_tokens + input_cache_write_tokens (%d) exceed input_tokens (%d)"
                                   % (where, cached + write, inp))
        media = c("input_audio_tokens") + c("input_image_tokens") + c("output_audio_tokens") + c("output_image_tokens")
        return Usage(uncached=inp - cached - write, cache_read=cached, cache_write=write, output=out), media
    if cached > inp:
        raise InputFormatError("%s: input_cached_tokens (%d) exceeds input_tokens (%d)" % (where, cached, inp))
    audio_in, audio_out = c("input_audio_tokens"), c("output_audio_tokens")  # older pages: text only, audio apart
    return Usage(uncached=inp - cached + audio_in, cache_read=cached, output=out + audio_out), audio_in + audio_out
