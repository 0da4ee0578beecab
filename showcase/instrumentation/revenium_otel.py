"""The same app, metered through OpenTelemetry: GenAI spans sent as OTLP/JSON over HTTP, standard library only.

What it teaches: if an app already emits OpenTelemetry, metering is a matter of *attributes*. Each AI call is a
CLIENT span named "{operation} {model}" (e.g. `chat gpt-4o`) carrying the current GenAI semantic conventions:

    gen_ai.operation.name, gen_ai.provider.name (not the deprecated gen_ai.system), gen_ai.request.model,
    gen_ai.response.model, gen_ai.response.id, gen_ai.response.finish_reasons,
    gen_ai.usage.input_tokens, gen_ai.usage.output_tokens

and the business context as `revenium.*` attributes (revenium.organization.name, revenium.product.name,
revenium.subscriber.id, revenium.agent, revenium.task_type, revenium.subscription.tier ...). Spans are batched
and POSTed to `{endpoint}/v1/traces` in the OTLP/JSON encoding (intValue as a JSON string, hex trace/span ids,
nanosecond times as strings). Each request of the app is one trace: a SERVER span for the request (not an AI
call, so the metering side ignores it) with the GenAI span as its child.

    python3 showcase/instrumentation/revenium_otel.py --calls 1                     # no endpoint: print the OTLP JSON
    python3 showcase/instrumentation/revenium_otel.py --endpoint http://127.0.0.1:8787 --calls 100

With the official OpenTelemetry SDK (pip install opentelemetry-sdk opentelemetry-exporter-otlp-proto-http) the
same spans come from the tracer, and only the attributes are yours to add:

    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=".../v1/traces")))
    trace.set_tracer_provider(provider)
    with trace.get_tracer("helpdesk").start_as_current_span("chat gpt-4o", kind=trace.SpanKind.CLIENT) as span:
        response = client.chat.completions.create(model="gpt-4o", messages=messages)
        span.set_attributes({"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
                             "gen_ai.request.model": "gpt-4o", "gen_ai.response.model": response.model,
                             "gen_ai.usage.input_tokens": response.usage.prompt_tokens,
                             "gen_ai.usage.output_tokens": response.usage.completion_tokens,
                             **meta.to_otel_attributes()})   # showcase/metadata/metadata_builder.py

That exporter sends OTLP/protobuf; Revenium's OTLP endpoint takes it. The local collector of this showcase reads
OTLP/JSON only: put an OpenTelemetry Collector in between (otlphttp exporter with `encoding: json`), or use
this file's exporter. Instrumentation libraries (e.g. opentelemetry-instrumentation-openai-v2) set the
gen_ai.* attributes for you.
"""
import os
import sys
_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
sys.path[:0] = [p for p in (os.path.join(_REPO, "src"), os.path.join(_REPO, "showcase")) if p not in sys.path]

import json  # noqa: E402
import logging  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
import urllib.error  # noqa: E402
import urllib.request  # noqa: E402
from typing import Any, Dict, List, Optional  # noqa: E402

from instrumentation.demo_app import FEATURES, Completion, SimulatedAI, feature_call, summary, workload  # noqa: E402
from metadata.metadata_builder import MeteringMetadata  # noqa: E402

log = logging.getLogger("revenium.otel")
TRACES_PATH = "/v1/traces"
SPAN_KIND_SERVER, SPAN_KIND_CLIENT = 2, 3
STATUS_OK = 1
# Provider names as SDKs spell them -> gen_ai.provider.name well-known values.
OTEL_PROVIDERS = {"OpenAI": "openai", "Anthropic": "anthropic", "Google": "gcp.gemini", "AWS Bedrock": "aws.bedrock",
                  "Azure OpenAI": "azure.ai.openai", "Mistral": "mistral_ai", "Cohere": "cohere"}
SERVER_ADDRESS = {"openai": "api.openai.com", "anthropic": "api.anthropic.com",
                  "gcp.gemini": "generativelanguage.googleapis.com"}


def otlp_value(v: Any) -> Dict[str, Any]:
    """A Python value as an OTLP/JSON AnyValue (bool before int: True is an int in Python)."""
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}  # int64 is a JSON string in the official mapping
    if isinstance(v, float):
        return {"doubleValue": v}
    if isinstance(v, (list, tuple)):
        return {"arrayValue": {"values": [otlp_value(x) for x in v]}}
    return {"stringValue": str(v)}


def otlp_attributes(attrs: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [{"key": k, "value": otlp_value(v)} for k, v in attrs.items() if v is not None]


def _ns(epoch: float) -> str:
    return str(int(round(epoch * 1e9)))


def request_spans(c: Completion, meta: MeteringMetadata, feature: str) -> List[Dict[str, Any]]:
    """One app request as a trace: the SERVER span and its GenAI CLIENT span."""
    trace_id = os.urandom(16).hex()  # ids must be unique across runs (the collector dedupes on span id)
    root_id, span_id = os.urandom(8).hex(), os.urandom(8).hex()
    provider = OTEL_PROVIDERS.get(c.provider, c.provider.lower())
    genai = {
        "gen_ai.operation.name": "chat", "gen_ai.provider.name": provider,
        "gen_ai.request.model": c.model, "gen_ai.response.model": c.model, "gen_ai.response.id": c.id,
        "gen_ai.response.finish_reasons": [c.finish_reason],
        "gen_ai.usage.input_tokens": c.input_tokens, "gen_ai.usage.output_tokens": c.output_tokens,
        "server.address": SERVER_ADDRESS.get(provider),
    }
    genai.update(meta.to_otel_attributes())
    genai.update({"revenium.agent": feature, "revenium.task_type": FEATURES[feature][0]})
    root = {"traceId": trace_id, "spanId": root_id, "name": "POST /api/" + feature, "kind": SPAN_KIND_SERVER,
            "startTimeUnixNano": _ns(c.started - 0.005), "endTimeUnixNano": _ns(c.ended + 0.005),
            "attributes": otlp_attributes({"http.request.method": "POST", "http.route": "/api/" + feature}),
            "status": {"code": STATUS_OK}}
    span = {"traceId": trace_id, "spanId": span_id, "parentSpanId": root_id, "name": "chat " + c.model,
            "kind": SPAN_KIND_CLIENT, "startTimeUnixNano": _ns(c.started), "endTimeUnixNano": _ns(c.ended),
            "attributes": otlp_attributes(genai), "status": {"code": STATUS_OK}}
    return [root, span]


def export_request(spans: List[Dict[str, Any]]) -> Dict[str, Any]:
    """An ExportTraceServiceRequest in OTLP/JSON."""
    resource = {"service.name": "helpdesk-demo", "service.version": "1.0.0", "telemetry.sdk.language": "python",
                "telemetry.sdk.name": "revenium-showcase"}
    return {"resourceSpans": [{"resource": {"attributes": otlp_attributes(resource)},
                               "scopeSpans": [{"scope": {"name": "revenium.showcase", "version": "1.0.0"},
                                               "spans": spans}]}]}


class OtlpJsonExporter(object):
    """Sends batches of spans to {endpoint}/v1/traces with timeout and retries (backoff + jitter)."""

    def __init__(self, endpoint: str, timeout: float = 2.0, max_retries: int = 3, backoff: float = 0.2) -> None:
        self.url = endpoint.rstrip("/") + TRACES_PATH
        self.timeout, self.max_retries, self.backoff = timeout, max_retries, backoff
        self.counts = {"exported": 0, "dropped": 0}

    def export(self, spans: List[Dict[str, Any]]) -> bool:
        body = json.dumps(export_request(spans)).encode("utf-8")
        for attempt in range(self.max_retries + 1):
            req = urllib.request.Request(self.url, data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    resp.read()
                self.counts["exported"] += len(spans)
                return True
            except urllib.error.HTTPError as e:
                if e.code < 500 and e.code not in (408, 429):
                    log.warning("otel: the endpoint refused %d spans: HTTP %d %s", len(spans), e.code, e.read()[:200])
                    break
            except (urllib.error.URLError, OSError, ValueError) as e:
                log.info("otel: export attempt %d failed: %s", attempt + 1, getattr(e, "reason", e))
            if attempt < self.max_retries:
                delay = min(5.0, self.backoff * 2 ** attempt)
                time.sleep(delay / 2 + random.uniform(0, delay / 2))
        self.counts["dropped"] += len(spans)
        return False


def main(argv: Optional[List[str]] = None) -> int:
    from utils.cli import ArgumentParser, positive_int
    p = ArgumentParser(prog="revenium_otel.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--endpoint", help="OTLP/HTTP base URL, e.g. http://127.0.0.1:8787 (none: print the OTLP JSON)")
    p.add_argument("--calls", type=positive_int, default=20, help="AI calls the demo app makes (default 20)")
    p.add_argument("--seed", type=int, default=7, help="seed of the simulated traffic (default 7)")
    p.add_argument("--batch-size", type=positive_int, default=50, help="spans per export (default 50)")
    p.add_argument("-v", "--verbose", action="store_true", help="log each export attempt")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    ai = SimulatedAI(args.seed)
    exporter = OtlpJsonExporter(args.endpoint) if args.endpoint else None
    t0 = time.time()
    done, pending, printed = [], [], []  # type: List[Completion], List[Dict[str, Any]], List[Dict[str, Any]]
    for meta, feature in workload(args.calls, args.seed):
        c = feature_call(ai, feature)
        done.append(c)
        pending.extend(request_spans(c, meta, feature))
        if len(pending) >= args.batch_size:
            if exporter:
                exporter.export(pending)
            else:
                printed.extend(pending)
            pending = []
    if pending:
        if exporter:
            exporter.export(pending)
        else:
            printed.extend(pending)
    elapsed = time.time() - t0
    if exporter is None:
        print(json.dumps(export_request(printed), indent=1))
        sys.stderr.write(summary(done, elapsed) + "\n")
        return 0
    print(summary(done, elapsed))
    print("OTLP: %d spans exported to %s (%d GenAI spans), %d dropped"
          % (exporter.counts["exported"], exporter.url, exporter.counts["exported"] // 2, exporter.counts["dropped"]))
    return 0  # the app succeeded, whatever happened to telemetry


if __name__ == "__main__":
    from utils.cli import run_main
    sys.exit(run_main(main))
