"""LiteLLM proxy spend logs (table LiteLLM_SpendLogs exported as CSV, or JSON): one row per request.

JSON: a list of row objects or {"data": [...]}. CSV: a header row with the column names. `spend` is kept as the
cost (USD, the source's digits); a row without `spend` is priced from the catalog. `end_user` is the customer
(falling back to `user`), `team_id` (else `organization_id`) the organization; tags "key:value" in
`request_tags` fill feature_id (feature:), product_id (product:), task_type (task: or task_type:),
environment (env: or environment:) and subscription_tier (tier: or subscription_tier:).
"""
import json
from typing import Any, Dict, Iterator, List, Tuple

from importers.common import (Import, InputFormatError, count, epoch_ms, load_json, read_csv, read_text,
                              short_hash, usd_text)

NOTES = ""
TAG_COLUMNS = {"feature": "feature_id", "feature_id": "feature_id", "product": "product_id", "product_id": "product_id",
               "task": "task_type", "task_type": "task_type", "env": "environment", "environment": "environment",
               "tier": "subscription_tier", "subscription_tier": "subscription_tier"}


def read(path: str, imp: Import) -> None:
    for where, row in _rows(path):
        _row(row, where, imp)


def _rows(path: str) -> Iterator[Tuple[str, Dict[str, Any]]]:
    if read_text(path).lstrip()[:1] in ("[", "{"):
        doc = load_json(path)
        rows = doc.get("data") if isinstance(doc, dict) else doc
        if not isinstance(rows, list):
            raise InputFormatError("%s is not a LiteLLM spend log: expected a JSON list of rows or {\"data\": [rows]}"
                                   % path)
        for i, row in enumerate(rows):
            if not isinstance(row, dict):
                raise InputFormatError("%s: record %d is not an object" % (path, i + 1))
            yield "%s: record %d" % (path, i + 1), row
    else:
        for line_no, row in read_csv(path, ("startTime", "model")):
            yield "%s line %d" % (path, line_no), {_CSV_NAMES.get(k, k): v for k, v in row.items()}


# read_csv lowercases the header; the JSON names are camelCase.
_CSV_NAMES = {"starttime": "startTime", "endtime": "endTime", "completionstarttime": "completionStartTime"}


def _tags(value: Any, where: str) -> List[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = [t for t in value.split(",")]
    if isinstance(value, dict):
        value = ["%s:%s" % kv for kv in value.items()]
    if not isinstance(value, list):
        raise InputFormatError("%s: request_tags is %s; expected a list of tags" % (where, json.dumps(value)[:40]))
    return [str(t).strip() for t in value]


def _row(row: Dict[str, Any], where: str, imp: Import) -> None:
    imp.records += 1
    rid = str(row.get("request_id") or "").strip()
    if imp.seen(("litellm", rid or short_hash(row))):
        return
    start = epoch_ms(row.get("startTime"), "startTime", where)
    inp = count(row.get("prompt_tokens"), "prompt_tokens", where)
    out = count(row.get("completion_tokens"), "completion_tokens", where)
    latency = None
    if str(row.get("request_duration_ms") or "").strip():
        latency = count(row.get("request_duration_ms"), "request_duration_ms", where)
    elif str(row.get("endTime") or "").strip():
        latency = max(0, epoch_ms(row.get("endTime"), "endTime", where) - start)
    spend = row.get("spend")
    cost = None if spend is None or str(spend).strip() == "" else usd_text(spend, "spend", where)
    fields = {"provider": row.get("custom_llm_provider") or "", "model": row.get("model") or row.get("model_group"),
              "request_id": rid, "session_id": row.get("session_id") or ""}
    if not fields["provider"] and fields["model"]:
        e = imp.catalog.find_model(str(fields["model"]))
        fields["provider"] = e.provider if e else ""
    for tag in _tags(row.get("request_tags"), where):
        key, sep, value = tag.partition(":")
        column = TAG_COLUMNS.get(key.strip().lower())
        if sep and column and value.strip() and not fields.get(column):
            fields[column] = value.strip()
    imp.begin()
    fields["customer_id"] = imp.pick("customer_id", [("end_user", row.get("end_user")), ("user", row.get("user"))])
    fields["organization_id"] = str(row.get("team_id") or row.get("organization_id") or "")
    if str(row.get("status") or "success").lower() not in ("success", ""):
        imp.ignored["failed requests kept as calls (cost as logged)"] += 1
    imp.add_call(start, inp, out, fields, "litellm-" + (rid or short_hash(row)), cost, latency)
