"""Metering API records (`POST /v2/ai/completions`) -> rows of our CSV, checked field by field.

A record is camelCase as on the wire (`transactionId`, `inputTokenCount` ...) or snake_case as in the Python
SDK (`transaction_id` ...); a request is one record or a JSON list of them, and all of them must be valid.
The mapping to CSV columns is the table in specs/integration.md. Used by local_collector.py.
"""
from typing import Any, Dict, List, Tuple

from instrumentation.collector_checks import Invalid, count, list_price, provider_id, text, timestamp, usd_micro
from pricing.catalog import Catalog, format_micro
from utils.timeutil import iso

# Required by the metering API (see the reference in specs/integration.md); camelCase as on the wire.
REQUIRED = ("transactionId", "provider", "model", "inputTokenCount", "outputTokenCount", "totalTokenCount",
            "requestTime", "responseTime", "completionStartTime", "requestDuration", "isStreamed", "stopReason",
            "costType")
STOP_REASONS = ("END", "END_SEQUENCE", "TIMEOUT", "TOKEN_LIMIT", "COST_LIMIT", "COMPLETION_LIMIT", "ERROR", "CANCELLED")


def metering_rows(doc: Any, catalog: Catalog) -> List[Dict[str, str]]:
    """The CSV rows of one metering record or a list of them (all valid, or Invalid)."""
    records = doc if isinstance(doc, list) else [doc]
    if not records:
        raise Invalid("the batch is empty")
    return [metering_row(r, catalog, "record %d" % (i + 1) if isinstance(doc, list) else "record")
            for i, r in enumerate(records)]


def metering_row(raw: Any, catalog: Catalog, where: str) -> Dict[str, str]:
    """One CSV row (our schema) from one metering record, or Invalid saying what is wrong."""
    rec = _record(raw, where)
    call_id = text(rec, "transactionId", where, True)
    provider = provider_id(text(rec, "provider", where, True))
    model = text(rec, "model", where, True)
    inp = count(rec["inputTokenCount"], "inputTokenCount", where)
    out = count(rec["outputTokenCount"], "outputTokenCount", where)
    count(rec["totalTokenCount"], "totalTokenCount", where)
    started, latency_ms = _timing(rec, where)
    _check_outcome(rec, where)
    customer = _customer(rec, where)
    model_id, cost_micro = _cost(rec, catalog, provider, model, inp, out, where)
    row = {"timestamp": iso(started), "call_id": call_id, "provider": provider, "model": model_id,
           "input_tokens": str(inp), "output_tokens": str(out), "cost_usd": format_micro(cost_micro),
           "latency_ms": str(latency_ms), "customer_id": customer}
    row.update(_context(rec, where))
    return row


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)


def _record(raw: Any, where: str) -> Dict[str, Any]:
    """The record with camelCase keys, once every required field is there."""
    if not isinstance(raw, dict):
        raise Invalid("%s: a metering record must be a JSON object" % where)
    rec = {_camel(k): v for k, v in raw.items()}
    missing = [k for k in REQUIRED if rec.get(k) is None]
    if missing:
        raise Invalid("%s: missing required field(s): %s" % (where, ", ".join(missing)))
    return rec


def _timing(rec: Dict[str, Any], where: str) -> Tuple[int, int]:
    """(start in epoch seconds, latency in whole ms) once the three timestamps and the duration check out."""
    started = timestamp(rec["requestTime"], "requestTime", where)
    timestamp(rec["responseTime"], "responseTime", where)
    timestamp(rec["completionStartTime"], "completionStartTime", where)
    dur = rec["requestDuration"]
    if isinstance(dur, bool) or not isinstance(dur, (int, float)) or not dur >= 0 or dur == float("inf"):
        raise Invalid("%s: requestDuration must be a number of milliseconds >= 0, got %r" % (where, dur))
    return started, int(round(dur))


def _check_outcome(rec: Dict[str, Any], where: str) -> None:
    if not isinstance(rec["isStreamed"], bool):
        raise Invalid("%s: isStreamed must be true or false" % where)
    if rec["stopReason"] not in STOP_REASONS:
        raise Invalid("%s: stopReason must be one of %s" % (where, ", ".join(STOP_REASONS)))
    if rec["costType"] != "AI":
        raise Invalid("%s: costType must be \"AI\"" % where)


def _customer(rec: Dict[str, Any], where: str) -> str:
    """Who pays: subscriber.id, else subscriptionId, else organizationName."""
    sub = rec.get("subscriber")
    if sub is not None and not (isinstance(sub, dict) and isinstance(sub.get("id", ""), str)):
        raise Invalid("%s: subscriber must be an object like {\"id\": \"...\", \"email\": \"...\"}" % where)
    customer = text(sub or {}, "id", where + " subscriber") or text(rec, "subscriptionId", where) \
        or text(rec, "organizationName", where)
    if not customer:
        raise Invalid("%s: nobody to bill: give subscriber.id, subscriptionId or organizationName" % where)
    return customer


def _cost(rec: Dict[str, Any], catalog: Catalog, provider: str, model: str, inp: int, out: int,
          where: str) -> Tuple[str, int]:
    """(model id for the CSV, cost_micro): totalCost, else input + output token costs, else the list price."""
    if rec.get("totalCost") is not None:
        cost_micro = usd_micro(rec["totalCost"], "totalCost", where)
        r = catalog.resolve(provider, model)
        return (r.entry.model if r is not None else model), cost_micro
    if rec.get("inputTokenCost") is not None and rec.get("outputTokenCost") is not None:
        return model, usd_micro(rec["inputTokenCost"], "inputTokenCost", where) + \
            usd_micro(rec["outputTokenCost"], "outputTokenCost", where)
    return list_price(catalog, provider, model, inp, out, where)


def _context(rec: Dict[str, Any], where: str) -> Dict[str, str]:
    """The business context and ids of the record, as CSV columns."""
    return {
        "subscription_tier": text(rec, "subscriptionTier", where),
        "organization_id": text(rec, "organizationName", where), "product_id": text(rec, "productName", where),
        "feature_id": text(rec, "agent", where) or text(rec, "feature", where),
        "task_type": text(rec, "taskType", where), "environment": text(rec, "environment", where),
        "request_id": text(rec, "requestId", where) or text(rec, "responseId", where),
        "trace_id": text(rec, "traceId", where), "session_id": text(rec, "sessionId", where),
        "user_agent": text(rec, "userAgent", where),
    }
