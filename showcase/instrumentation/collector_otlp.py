"""OTLP/JSON GenAI spans (`POST /v1/traces`) -> rows of our CSV, checked field by field.

Attribute values are decoded by `importers.otlp.attributes`, the project's one OTLP/JSON decoder; this module
adds what a metering endpoint must insist on: hex ids, ordered times, token counts, somebody to bill, a known
model. Spans without `gen_ai.provider.name` / `gen_ai.operation.name` are not AI calls and give no row.
The mapping to CSV columns is the table in specs/integration.md. Used by local_collector.py.
"""
import re
from typing import Any, Dict, List, Optional, Tuple

from importers import otlp
from importers.common import InputFormatError
from instrumentation.collector_checks import Invalid, check_printable, count, list_price, provider_id
from pricing.catalog import Catalog, format_micro
from utils.timeutil import iso

_HEX = re.compile(r"^[0-9a-fA-F]+$")
_INT64 = re.compile(r"^-?\d{1,19}$")  # an intValue as OTLP/JSON sends it: a JSON string of digits


def otlp_rows(doc: Any, catalog: Catalog) -> List[Dict[str, str]]:
    """The CSV rows of an OTLP/JSON ExportTraceServiceRequest (all valid, or Invalid)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("resourceSpans"), list):
        raise Invalid("OTLP/JSON body must be {\"resourceSpans\": [...]}")
    rows = []
    for i, rs in enumerate(doc["resourceSpans"]):
        where = "resourceSpans[%d]" % i
        if not isinstance(rs, dict):
            raise Invalid("%s must be an object" % where)
        res = rs.get("resource") or {}
        resource = _attributes(res.get("attributes") if isinstance(res, dict) else None, where + ".resource")
        for j, ss in enumerate(_list(rs, "scopeSpans", where)):
            for k, span in enumerate(_list(ss, "spans", "%s.scopeSpans[%d]" % (where, j))):
                row = span_row(span, resource, catalog, "%s.scopeSpans[%d].spans[%d]" % (where, j, k))
                if row is not None:
                    rows.append(row)
    return rows


def span_row(span: Any, resource: Dict[str, Any], catalog: Catalog, where: str) -> Optional[Dict[str, str]]:
    """One CSV row from a GenAI span (None for a span that is not an AI call), or Invalid."""
    if not isinstance(span, dict):
        raise Invalid("%s: a span must be an object" % where)
    a = dict(resource)
    a.update(_attributes(span.get("attributes"), where))
    provider = a.get("gen_ai.provider.name") or a.get("gen_ai.system")  # gen_ai.system: deprecated, still read
    if not provider and "gen_ai.operation.name" not in a:
        return None  # not an AI call (e.g. the app's own HTTP span): nothing to meter
    start, end = _times(span, where)
    rec = {k: v for k, v in a.items() if isinstance(v, str)}
    if not isinstance(provider, str) or not provider:
        raise Invalid("%s: gen_ai.provider.name is missing" % where)
    model = rec.get("gen_ai.response.model") or rec.get("gen_ai.request.model")
    if not model:
        raise Invalid("%s: gen_ai.request.model is missing" % where)
    inp = _token_count(a, "gen_ai.usage.input_tokens", where)
    out = _token_count(a, "gen_ai.usage.output_tokens", where)
    customer = rec.get("revenium.subscriber.id") or rec.get("revenium.subscription.id") \
        or rec.get("revenium.organization.name")
    if not customer:
        raise Invalid("%s: nobody to bill: set revenium.subscriber.id or revenium.organization.name" % where)
    pid = provider_id(provider)
    model_id, cost_micro = list_price(catalog, pid, model, inp, out, where)
    row = {"timestamp": iso(start // 1000000000), "call_id": span["spanId"].lower(), "provider": pid,
           "model": model_id, "input_tokens": str(inp), "output_tokens": str(out),
           "cost_usd": format_micro(cost_micro), "latency_ms": str((end - start + 500000) // 1000000),
           "customer_id": customer}
    row.update(_context(rec, span["traceId"].lower()))
    for k, v in row.items():
        check_printable(v, k, where)
    return row


def _attributes(raw: Any, where: str) -> Dict[str, Any]:
    try:
        return otlp.attributes(raw, where)
    except InputFormatError as e:
        raise Invalid(str(e))


def _list(obj: Any, key: str, where: str) -> List[Any]:
    v = obj.get(key, []) if isinstance(obj, dict) else None
    if not isinstance(v, list):
        raise Invalid("%s: %s must be a list" % (where, key))
    return v


def _times(span: Dict[str, Any], where: str) -> Tuple[int, int]:
    """(start, end) in epoch nanoseconds, once the span's ids and times check out."""
    for key in ("traceId", "spanId"):
        if not (isinstance(span.get(key), str) and _HEX.match(span[key])):
            raise Invalid("%s: %s must be a hex string" % (where, key))
    start = _nanos(span.get("startTimeUnixNano"), "startTimeUnixNano", where)
    end = _nanos(span.get("endTimeUnixNano"), "endTimeUnixNano", where)
    if end < start:
        raise Invalid("%s: endTimeUnixNano is before startTimeUnixNano" % where)
    return start, end


def _nanos(value: Any, key: str, where: str) -> int:
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.isdigit())):
        raise Invalid("%s: %s must be nanoseconds since the epoch (digits)" % (where, key))
    return int(value)


def _token_count(attrs: Dict[str, Any], key: str, where: str) -> int:
    """A usage attribute as a count: an intValue arrives as the JSON string of its digits (or as a number)."""
    if key not in attrs:
        raise Invalid("%s: %s is missing" % (where, key))
    value = attrs[key]
    return count(int(value) if isinstance(value, str) and _INT64.match(value) else value, key, where)


def _context(rec: Dict[str, str], trace_id: str) -> Dict[str, str]:
    """The business context and ids of the span's (string) attributes, as CSV columns."""
    return {
        "subscription_tier": rec.get("revenium.subscription.tier", ""),
        "organization_id": rec.get("revenium.organization.name", ""),
        "product_id": rec.get("revenium.product.name", ""),
        "feature_id": rec.get("revenium.feature") or rec.get("revenium.agent", ""),
        "task_type": rec.get("revenium.task_type") or rec.get("gen_ai.operation.name", ""),
        "environment": rec.get("deployment.environment.name") or rec.get("deployment.environment", ""),
        "request_id": rec.get("gen_ai.response.id", ""), "trace_id": trace_id,
        "session_id": rec.get("gen_ai.conversation.id", ""), "user_agent": rec.get("user_agent.original", ""),
    }
