"""LiteLLM proxy spend logs (table LiteLLM_SpendLogs exported as CSV, or JSON): one row per request, or aggregated
rows that carry `api_requests`.

JSON: a list of row objects or {"data": [...]}. CSV: a header row with the column names. `spend` is kept as the
cost (USD, the source's digits); a row without `spend` is priced from the catalog; a row with a negative `spend`
(a refund or credit) is left out and reported (the call CSV holds no credits). An aggregated row (`api_requests`
set) becomes that many calls spread over startTime..endTime, tokens and spend split exactly; its
request_duration_ms is its window, not a latency, so its calls have no latency. The customer is `end_user`, else
`user`, else `key_alias` (--customer-from chooses); `team_id` (else `organization_id`) the organization; tags
"key:value" in `request_tags` fill feature_id (feature:), product_id (product:), task_type (task: or
task_type:), environment (env: or environment:) and subscription_tier (tier: or subscription_tier:).
"""
import json
from typing import Any, Dict, Iterator, List, Optional, Tuple

from importers.calls import Import, Usage
from importers.common import (MAX_CALLS, InputFormatError, count, decimal, epoch_ms, load_json, read_csv,
                              read_text, short_hash, usd_text)
from utils.money import parse_usd

NOTES = ""
CUSTOMER_FIELDS = ("end_user", "user", "key_alias")
REAL_CUSTOMERS = 1  # end_user is the proxy's customer; user and key_alias stand in (reported)
CUSTOMER_ANY = True  # --customer-from may name any column (team_id, api_key, ...)
NO_MODEL = "the spend log has neither a model nor a model_group value for these rows"
TAG_COLUMNS = {"feature": "feature_id", "feature_id": "feature_id", "product": "product_id", "product_id": "product_id",
               "task": "task_type", "task_type": "task_type", "env": "environment", "environment": "environment",
               "tier": "subscription_tier", "subscription_tier": "subscription_tier"}
AGGREGATED = "aggregated rows: request_duration_ms is the row's window, not a latency, so latency is empty (calls)"


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
        first = True
        for line_no, row in read_csv(path, ("startTime",)):
            if first and "model" not in row and "model_group" not in row:
                raise InputFormatError("%s lacks column(s) model (or model_group); expected LiteLLM_SpendLogs "
                                       "columns such as startTime,model,spend,prompt_tokens,completion_tokens" % path)
            first = False
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


def _set(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def _key_alias(row: Dict[str, Any]) -> Optional[str]:
    """key_alias, or the proxy's metadata.user_api_key_alias (JSON, or a JSON string in a CSV)."""
    if _set(row.get("key_alias")):
        return str(row["key_alias"])
    meta = row.get("metadata")
    if isinstance(meta, str) and meta.strip().startswith("{"):
        try:
            meta = json.loads(meta)
        except ValueError:
            meta = None
    alias = meta.get("user_api_key_alias") if isinstance(meta, dict) else None
    return str(alias) if _set(alias) else None


def _fields(row: Dict[str, Any], rid: str, where: str, imp: Import) -> Dict[str, Any]:
    fields = {"provider": row.get("custom_llm_provider") or "", "model": row.get("model") or row.get("model_group"),
              "request_id": rid, "session_id": row.get("session_id") or ""}
    if not fields["provider"] and fields["model"]:
        fields["provider"] = imp.provider_of(fields["model"])
    for tag in _tags(row.get("request_tags"), where):
        key, sep, value = tag.partition(":")
        column = TAG_COLUMNS.get(key.strip().lower())
        if sep and column and value.strip() and not fields.get(column):
            fields[column] = value.strip()
    imp.begin()
    values = {"end_user": row.get("end_user"), "user": row.get("user"), "key_alias": _key_alias(row)}
    for k, v in row.items():
        values.setdefault(k, v)
    fields["customer_id"] = imp.customer(values, CUSTOMER_FIELDS, REAL_CUSTOMERS)
    fields["organization_id"] = str(row.get("team_id") or row.get("organization_id") or "")
    return fields


def _row(row: Dict[str, Any], where: str, imp: Import) -> None:
    imp.records += 1
    rid = str(row.get("request_id") or "").strip()
    if imp.seen(("litellm", rid or short_hash(row))):
        return
    start = epoch_ms(row.get("startTime"), "startTime", where)
    inp = count(row.get("prompt_tokens"), "prompt_tokens", where)
    out = count(row.get("completion_tokens"), "completion_tokens", where)
    cost = None
    if _set(row.get("spend")):
        spend = decimal(row.get("spend"), "spend", where)
        if spend < 0:  # a refund or credit: not a call
            imp.credits[0] += 1
            imp.credits[1] += -parse_usd(str(spend))
            return
        cost = usd_text(row.get("spend"), "spend", where)
    if str(row.get("status") or "success").lower() not in ("success", ""):
        imp.ignored["failed requests kept as calls (cost as logged)"] += 1
    cid = "litellm-" + (rid or short_hash(row))
    if _set(row.get("api_requests")):
        _aggregated(row, start, inp, out, cost, cid, where, imp)
        return
    latency = None
    if _set(row.get("request_duration_ms")):
        latency = count(row.get("request_duration_ms"), "request_duration_ms", where)
    elif _set(row.get("endTime")):
        latency = max(0, epoch_ms(row.get("endTime"), "endTime", where) - start)
    imp.add_call(start, inp, out, _fields(row, rid, where, imp), cid, cost, latency, where=where)


def _aggregated(row: Dict[str, Any], start: int, inp: int, out: int, cost: Optional[str], cid: str, where: str,
                imp: Import) -> None:
    """A row counting `api_requests` requests over startTime..endTime: that many calls, tokens and spend split."""
    n = count(row.get("api_requests"), "api_requests", where, None, MAX_CALLS)
    if n == 0:
        if inp or out or (cost is not None and parse_usd(cost)):
            raise InputFormatError("%s: tokens or spend without requests (api_requests is 0)" % where)
        return
    if _set(row.get("endTime")):
        end = epoch_ms(row.get("endTime"), "endTime", where)
    elif _set(row.get("request_duration_ms")):
        end = start + count(row.get("request_duration_ms"), "request_duration_ms", where)
    else:
        end = start
    imp.ignored[AGGREGATED] += n
    fixed = None if cost is None else (parse_usd(cost), 9)
    imp.add_bucket(start // 1000, end // 1000, n, Usage(uncached=inp, output=out), _fields(row, str(
        row.get("request_id") or "").strip(), where, imp), cid, fixed=fixed, where=where)
