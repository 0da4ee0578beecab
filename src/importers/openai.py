"""OpenAI organization usage pages (`/v1/organization/usage/completions`, JSON): aggregated buckets.

A page is {"object": "page", "data": [bucket], "has_more", "next_page"}; a bucket {"start_time", "end_time",
"results": [result]}; a result counts `num_model_requests` requests with their tokens, grouped by whichever of
project_id, user_id, api_key_id, model and batch the export asked for (the others are null). A file may also hold
a JSON list of pages. Costs are not in these pages: they come from the price catalog.
"""
from typing import Any

from importers.common import Import, InputFormatError, count, load_json, short_hash

NOTES = ("OpenAI usage pages aggregate requests: calls are spread evenly over each bucket's window, so hourly "
         "patterns and anomalies within a bucket, per-call token sizes and latency are not real.")


def read(path: str, imp: Import) -> None:
    doc = load_json(path)
    pages = doc if isinstance(doc, list) else [doc]
    for p, page in enumerate(pages):
        where = path if len(pages) == 1 else "%s page %d" % (path, p + 1)
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            raise InputFormatError("%s is not an OpenAI usage page: expected {\"object\": \"page\", \"data\": "
                                   "[buckets]} from /v1/organization/usage/completions" % where)
        for b, bucket in enumerate(page["data"]):
            _bucket(bucket, "%s: data[%d]" % (where, b), imp)


def _bucket(bucket: Any, where: str, imp: Import) -> None:
    if not isinstance(bucket, dict):
        raise InputFormatError("%s is not a bucket object" % where)
    start = count(bucket.get("start_time"), "start_time", where, None)
    end = count(bucket.get("end_time"), "end_time", where, None)
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
    kind = str(res.get("object") or "")
    if "costs" in kind or "amount" in res:
        raise InputFormatError("%s is a costs result (/v1/organization/costs); import the usage pages of "
                               "/v1/organization/usage/completions instead" % where)
    if "input_tokens" not in res:
        raise InputFormatError("%s has no input_tokens; expected a completions usage result" % where)
    imp.records += 1
    if imp.seen(("openai", start, end, short_hash(res))):
        return
    inp = count(res.get("input_tokens"), "input_tokens", where)
    cached = count(res.get("input_cached_tokens"), "input_cached_tokens", where)
    out = count(res.get("output_tokens"), "output_tokens", where)
    audio_in = count(res.get("input_audio_tokens"), "input_audio_tokens", where)
    audio_out = count(res.get("output_audio_tokens"), "output_audio_tokens", where)
    n = count(res.get("num_model_requests"), "num_model_requests", where, None if "num_model_requests" in res else 1)
    if cached > inp:
        raise InputFormatError("%s: input_cached_tokens (%d) exceeds input_tokens (%d)" % (where, cached, inp))
    if n == 0:
        if inp or out or audio_in or audio_out:
            raise InputFormatError("%s: tokens without requests (num_model_requests is 0)" % where)
        return
    if audio_in or audio_out:
        imp.ignored["audio tokens counted as text tokens (priced at the model's text prices)"] += audio_in + audio_out
    imp.begin()
    fields = {"provider": "openai", "model": res.get("model"), "organization_id": res.get("project_id") or "",
              "customer_id": imp.pick("customer_id", [("user_id", res.get("user_id")),
                                                      ("project_id", res.get("project_id")),
                                                      ("api_key_id", res.get("api_key_id"))], real=0)}
    batch = res.get("batch") is True
    imp.add_bucket(start, end, n, inp - cached + audio_in, cached, 0, out + audio_out, fields,
                   "openai-%d-%s" % (start, short_hash(res)), imp.catalog.batch_discount_pct if batch else 0)
