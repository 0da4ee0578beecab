"""OpenTelemetry GenAI traces as OTLP/JSON (an export of POST /v1/traces bodies, or the collector's file
exporter: one JSON document per line): one span per AI call.

Spans come from resourceSpans[].scopeSpans[].spans[]; a span is an AI call when it has gen_ai.* attributes and
is not an agent or tool span (invoke_agent, create_agent, execute_tool: those wrap calls already counted).
Business context comes from span or resource attributes (span wins): revenium.subscriber.id (else
revenium.subscriber.email, then the OpenTelemetry user attributes enduser.id, user.id, user.email,
enduser.pseudo.id; --customer-from chooses) -> customer_id, revenium.organization.name -> organization_id,
revenium.product.name -> product_id, revenium.feature / revenium.agent -> feature_id, revenium.task_type ->
task_type, revenium.subscription.tier -> subscription_tier, deployment.environment(.name) -> environment.
Cost is not a standard attribute: list prices.
"""
from typing import Any, Dict, List, Optional

from importers.calls import Import
from importers.common import InputFormatError, count, in_range, load_json, short_hash

NOTES = ""
NO_MODEL = "these spans carry neither gen_ai.request.model nor gen_ai.response.model"
WRAPPERS = ("invoke_agent", "create_agent", "execute_tool")
# our column -> attribute names, first found wins; the first `real` of customer_id are genuine customer ids
CONTEXT = {
    "organization_id": ("revenium.organization.name", "revenium.organization.id", "revenium.organization_name"),
    "product_id": ("revenium.product.name", "revenium.product.id", "revenium.product_name"),
    "feature_id": ("revenium.feature", "revenium.agent", "revenium.feature.id", "gen_ai.agent.name"),
    "task_type": ("revenium.task_type", "revenium.task.type"),
    "subscription_tier": ("revenium.subscription.tier", "revenium.subscription_tier", "revenium.tier"),
    "environment": ("deployment.environment.name", "deployment.environment", "revenium.environment"),
    "session_id": ("gen_ai.conversation.id", "session.id"),
    "request_id": ("gen_ai.response.id",),
    "user_agent": ("user_agent.original",),
}
# Every one identifies the end user (OpenTelemetry's enduser.* and user.* registries); Revenium's own first.
CUSTOMER_FIELDS = ("revenium.subscriber.id", "revenium.subscriber.email", "enduser.id", "user.id", "user.email",
                   "enduser.pseudo.id")
REAL_CUSTOMERS = len(CUSTOMER_FIELDS)
CUSTOMER_ANY = True  # --customer-from may name any attribute


def _value(v: Any) -> Any:
    if not isinstance(v, dict):
        return v
    for k in ("stringValue", "intValue", "doubleValue", "boolValue"):
        if k in v:
            return v[k]
    if "arrayValue" in v:
        return [_value(x) for x in (v["arrayValue"] or {}).get("values", [])]
    return None


def _attrs(items: Any, where: str) -> Dict[str, Any]:
    if items is None:
        return {}
    if not isinstance(items, list):
        raise InputFormatError("%s: attributes is not a list of {\"key\", \"value\"}" % where)
    out = {}
    for a in items:
        if not isinstance(a, dict) or "key" not in a:
            raise InputFormatError("%s: an attribute is not {\"key\", \"value\"}" % where)
        out[str(a["key"])] = _value(a.get("value"))
    return out


def attributes(items: Any, where: str) -> Dict[str, Any]:
    """An OTLP/JSON attribute list (a resource's or a span's) as {key: value}: the one decoder for every reader.

    Values come out as sent: stringValue, intValue (an int64 travels as a JSON string of digits; a reader that
    needs a number converts it), doubleValue, boolValue; arrayValue as a list. The only error raised is
    InputFormatError, also for an arrayValue that is not {"values": [...]} or is nested too deeply."""
    try:
        return _attrs(items, where)
    except (AttributeError, TypeError):  # _value trusts arrayValue's shape: a list or a number there ends here
        raise InputFormatError("%s: an arrayValue is not {\"values\": [...]}" % where)
    except RecursionError:
        raise InputFormatError("%s: attribute values are nested too deeply" % where)


def _list(obj: Any, key: str, where: str) -> List[Any]:
    v = obj.get(key) if isinstance(obj, dict) else None
    if v is None:
        return []
    if not isinstance(v, list):
        raise InputFormatError("%s: %s is not a list" % (where, key))
    return v


def read(path: str, imp: Import) -> None:
    doc = load_json(path)
    docs = doc if isinstance(doc, list) else [doc]
    for d, body in enumerate(docs):
        where = path if len(docs) == 1 else "%s document %d" % (path, d + 1)
        if not isinstance(body, dict) or "resourceSpans" not in body:
            raise InputFormatError("%s is not an OTLP/JSON trace export: expected {\"resourceSpans\": [...]}" % where)
        for r, rs in enumerate(_list(body, "resourceSpans", where)):
            w = "%s: resourceSpans[%d]" % (where, r)
            res = _attrs((rs.get("resource") or {}).get("attributes") if isinstance(rs, dict) else None, w)
            for s, ss in enumerate(_list(rs, "scopeSpans", w) or _list(rs, "instrumentationLibrarySpans", w)):
                for k, span in enumerate(_list(ss, "spans", "%s.scopeSpans[%d]" % (w, s))):
                    _span(span, res, "%s.scopeSpans[%d].spans[%d]" % (w, s, k), imp)


def _first(attrs: Dict[str, Any], names) -> Optional[Any]:
    for n in names:
        v = attrs.get(n)
        if v not in (None, ""):
            return v
    return None


def _span(span: Any, res: Dict[str, Any], where: str, imp: Import) -> None:
    if not isinstance(span, dict):
        raise InputFormatError("%s is not a span object" % where)
    attrs = dict(res)
    attrs.update(_attrs(span.get("attributes"), where))
    if not any(k.startswith("gen_ai.") for k in attrs):
        imp.ignored["spans without gen_ai attributes (not AI calls)"] += 1
        return
    if str(attrs.get("gen_ai.operation.name") or "") in WRAPPERS:
        imp.ignored["agent/tool spans (they wrap calls already counted)"] += 1
        return
    imp.records += 1
    if imp.seen(("otlp", span.get("traceId"), span.get("spanId") or short_hash(span))):
        return
    start = count(span.get("startTimeUnixNano"), "startTimeUnixNano", where, None)
    in_range(start // 1000000000, "startTimeUnixNano", where)
    end = count(span.get("endTimeUnixNano"), "endTimeUnixNano", where, start)
    inp = count(_first(attrs, ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens")),
                "gen_ai.usage.input_tokens", where)
    out = count(_first(attrs, ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens")),
                "gen_ai.usage.output_tokens", where)
    cache_read = count(attrs.get("gen_ai.usage.cache_read.input_tokens"), "gen_ai.usage.cache_read.input_tokens", where)
    cache_write = count(attrs.get("gen_ai.usage.cache_creation.input_tokens"),
                        "gen_ai.usage.cache_creation.input_tokens", where)
    fields = {c: str(_first(attrs, names) or "") for c, names in CONTEXT.items()}
    fields["provider"] = _first(attrs, ("gen_ai.provider.name", "gen_ai.system")) or ""
    fields["model"] = _first(attrs, ("gen_ai.request.model", "gen_ai.response.model")) or ""
    fields["trace_id"] = str(span.get("traceId") or "")
    if fields["model"] and not fields["provider"]:
        fields["provider"] = imp.provider_of(fields["model"])
    imp.begin()
    fields["customer_id"] = imp.customer(attrs, CUSTOMER_FIELDS, REAL_CUSTOMERS)
    latency = (end - start + 500000) // 1000000 if end >= start else None
    imp.add_call(start // 1000000, inp, out, fields, "otlp-" + str(span.get("spanId") or short_hash(span)),
                 None, latency, cache_read, cache_write, where=where)
