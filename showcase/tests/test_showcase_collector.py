"""The local collector: validation (each bad input -> 400, nothing written), duplicates, concurrent posts, OTLP."""
import csv
import gzip
import json
import threading
import unittest

from helpers import Collector, TempDirCase, request
from instrumentation.collector_server import MAX_BODY_BYTES
from utils.schema import FIELDS

PRICES = {"gpt-4o": (2.5, 10.0), "claude-sonnet-4": (3.0, 15.0), "gpt-4o-mini": (0.15, 0.6), "gemini-2.5-pro": (1.25, 10.0)}


def record(tid, inp=1000000, out=100000, **kw):
    r = {"transactionId": tid, "provider": "OpenAI", "model": "gpt-4o", "inputTokenCount": inp,
         "outputTokenCount": out, "totalTokenCount": inp + out, "requestTime": "2026-03-01T10:00:00Z",
         "responseTime": "2026-03-01T10:00:02Z", "completionStartTime": "2026-03-01T10:00:01Z",
         "requestDuration": 2000, "isStreamed": False, "stopReason": "END", "costType": "AI",
         "organizationName": "acme", "productName": "helpdesk", "taskType": "chat",
         "subscriber": {"id": "cust-x", "email": "x@example.com"}}
    r.update(kw)
    return r


class CollectorCase(TempDirCase):
    tmp_prefix = "collector-"

    def setUp(self):
        super(CollectorCase, self).setUp()
        self.out = self.path("calls.csv")
        self.start()

    def start(self):
        self.collector = Collector(self.out)
        self.addCleanup(self.collector.stop)

    def post(self, path, body, headers=None):
        return self.collector.post(path, body, headers)

    def rows(self):
        return self.collector.rows()

    def raw(self):
        with open(self.out, "rb") as f:
            return f.read()


class TestMeteringRecords(CollectorCase):
    def test_record_priced_from_catalog_with_business_context(self):
        st, doc = self.post("/v2/ai/completions", json.dumps(record("t-1")))
        self.assertEqual((st, doc["written"]), (202, 1))
        rows = self.rows()
        self.assertEqual(len(rows), 1)
        r = rows[0]
        self.assertEqual(list(r.keys()), FIELDS)
        # 1M input x $2.50/1M + 100K output x $10/1M, computed here by hand
        self.assertEqual(r["cost_usd"], "3.500000")
        self.assertEqual((r["latency_ms"], r["organization_id"], r["customer_id"], r["provider"], r["timestamp"]),
                         ("2000", "acme", "cust-x", "openai", "2026-03-01T10:00:00Z"))

    def test_model_ids_resolve_as_in_every_other_part(self):
        # a Bedrock cross-region profile and a fine-tuned OpenAI id: Catalog.resolve, as the importers use it
        for tid, provider, model in (("t-b", "AWS Bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
                                     ("t-f", "OpenAI", "ft:gpt-4o-2024-08-06:acme::9x")):
            st, _ = self.post("/v2/ai/completions", json.dumps(record(tid, provider=provider, model=model)))
            self.assertEqual(st, 202)
        # 1M input + 100K output: Bedrock's Sonnet 4.5 at $3 / $15, gpt-4o (the base model) at $2.50 / $10, by hand
        self.assertEqual(sorted((r["model"], r["cost_usd"]) for r in self.rows()),
                         [("anthropic.claude-sonnet-4-5", "4.500000"), ("gpt-4o", "3.500000")])

    def test_snake_case_batch_and_explicit_cost(self):
        snake = {"transaction_id": "s-1", "provider": "AWS Bedrock", "model": "anthropic.claude-v2",
                 "input_token_count": 1000, "output_token_count": 500, "total_token_count": 1500,
                 "request_time": "2026-03-01T10:00:00+01:00", "response_time": "2026-03-01T10:00:01+01:00",
                 "completion_start_time": "2026-03-01T10:00:00+01:00", "request_duration": 800.4,
                 "is_streamed": True, "stop_reason": "TOKEN_LIMIT", "cost_type": "AI", "subscription_id": "sub-9",
                 "agent": "search"}
        st, doc = self.post("/v2/ai/completions", json.dumps([snake, record("c-1", totalCost=0.25)]))
        self.assertEqual((st, doc["written"]), (202, 2))
        by_id = {r["call_id"]: r for r in self.rows()}
        s = by_id["s-1"]
        # bedrock claude-v2: 1000 x $8/1M + 500 x $24/1M = 0.008 + 0.012
        self.assertEqual((s["provider"], s["cost_usd"], s["customer_id"], s["feature_id"], s["latency_ms"]),
                         ("bedrock", "0.020000", "sub-9", "search", "800"))
        self.assertEqual(s["timestamp"], "2026-03-01T09:00:00Z")
        self.assertEqual(by_id["c-1"]["cost_usd"], "0.250000")

    def test_bad_inputs_are_400_and_write_nothing(self):
        self.post("/v2/ai/completions", json.dumps(record("keep")))
        before = self.raw()
        bad = {
            "malformed": "{not json",
            "missing required": json.dumps({"model": "gpt-4o"}),
            "negative tokens": json.dumps(record("neg", inp=-5)),
            "wrong type": json.dumps(record("typ", inputTokenCount="1000")),
            "bool as number": json.dumps(record("b", outputTokenCount=True)),
            "bad stop reason": json.dumps(record("sr", stopReason="DONE")),
            "bad timestamp": json.dumps(record("ts", requestTime="yesterday")),
            "nobody to bill": json.dumps({k: v for k, v in record("nb").items()
                                          if k not in ("subscriber", "organizationName")}),
            "unknown model without cost": json.dumps(record("um", model="my-own-llm")),
            "deep nesting": "[" * 10000,
            "one bad record in a batch": json.dumps([record("ok-1"), record("bad-2", out=-1)]),
            "empty batch": "[]",
            "not utf-8": b"\xff\xfe{}",
            "control chars": json.dumps(record("cc\nx")),
        }
        for name, body in bad.items():
            st, doc = self.post("/v2/ai/completions", body)
            self.assertEqual(st, 400, name)
            self.assertTrue(doc.get("error"), name)
        st, doc = self.post("/v1/traces", '{"resourceSpans": 7}')
        self.assertEqual(st, 400)
        st, doc = self.post("/v2/ai/completions", "x" * (MAX_BODY_BYTES + 10))
        self.assertEqual(st, 413)
        self.assertEqual(self.raw(), before)
        st, doc = request(self.collector.port, "GET", "/health")
        self.assertEqual((st, doc["rows"]), (200, 1))  # still up after all that

    def test_negative_tokens_message_is_clear(self):
        st, doc = self.post("/v2/ai/completions", json.dumps(record("neg", inp=-5)))
        self.assertIn("inputTokenCount must not be negative", doc["error"])

    def test_duplicates_are_ignored_even_after_a_restart(self):
        self.assertEqual(self.post("/v2/ai/completions", json.dumps(record("d-1")))[1]["written"], 1)
        st, doc = self.post("/v2/ai/completions", json.dumps([record("d-1"), record("d-2"), record("d-2")]))
        self.assertEqual((st, doc["written"], doc["duplicate"]), (202, 1, 2))
        self.collector.stop()
        self.start()  # a new collector on the same file remembers the ids in it
        st, doc = self.post("/v2/ai/completions", json.dumps(record("d-1")))
        self.assertEqual((doc["written"], doc["duplicate"]), (0, 1))
        self.assertEqual(sorted(r["call_id"] for r in self.rows()), ["d-1", "d-2"])

    def test_gzip_body(self):
        body = gzip.compress(json.dumps(record("gz")).encode("utf-8"))
        st, doc = self.post("/v2/ai/completions", body, {"Content-Type": "application/json", "Content-Encoding": "gzip"})
        self.assertEqual((st, doc["written"]), (202, 1))

    def test_money_is_rounded_once_to_the_micro_dollar(self):
        costs = {"r-1": "0.0000004999999", "r-2": 0.0000005, "r-3": "1.25", "r-4": 2}
        st, doc = self.post("/v2/ai/completions", json.dumps([record(t, totalCost=c) for t, c in costs.items()]))
        self.assertEqual((st, doc["written"]), (202, 4))
        got = {r["call_id"]: r["cost_usd"] for r in self.rows()}
        # half a micro-dollar rounds up; a hair less rounds down (via nano-dollars it would round up twice)
        self.assertEqual(got, {"r-1": "0.000000", "r-2": "0.000001", "r-3": "1.250000", "r-4": "2.000000"})

    def test_unusable_costs_are_400(self):
        for cost in ("1e22", "-0.5", "NaN", "lots", True, [1]):
            st, doc = self.post("/v2/ai/completions", json.dumps(record("x", totalCost=cost)))
            self.assertEqual(st, 400, cost)
            self.assertIn("totalCost", doc["error"])
        self.assertEqual(self.rows(), [])

    def test_poison_records_get_a_400_never_a_dropped_connection(self):
        for cost in (1e30, 1e22, 100000.01, "1" + "0" * 300):
            st, doc = self.post("/v2/ai/completions", json.dumps(record("p", totalCost=cost)))
            self.assertEqual(st, 400, cost)
        for year in ("0001", "1970", "9999"):
            times = {k: year + "-01-05T10:00:0%dZ" % i for i, k in
                     enumerate(("requestTime", "completionStartTime", "responseTime"))}
            st, doc = self.post("/v2/ai/completions", json.dumps(record("y" + year, **times)))
            self.assertEqual(st, 400, year)
            self.assertIn("plausible window", doc["error"])
        st, _ = self.post("/v2/ai/completions", json.dumps(record("t", inp=10 ** 12)))
        self.assertEqual(st, 400)
        self.assertEqual(self.rows(), [])

    def test_a_hundred_posts_at_once_are_all_answered(self):
        results = []

        def one(i):
            try:
                results.append(self.post("/v2/ai/completions", json.dumps(record("b-%d" % i, inp=10, out=1)))[0])
            except Exception as e:  # noqa: BLE001 - reported below
                results.append(repr(e))
        threads = [threading.Thread(target=one, args=(i,)) for i in range(100)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(sorted(results, key=str), [202] * 100)
        self.assertEqual(len(self.rows()), 100)

    def test_concurrent_posts_write_whole_lines(self):
        errors = []

        def worker(t):
            for i in range(10):
                try:
                    st, _ = self.post("/v2/ai/completions", json.dumps(record("c-%d-%d" % (t, i), inp=100 + i, out=10)))
                    if st != 202:
                        errors.append(st)
                except Exception as e:  # noqa: BLE001 - reported below
                    errors.append(e)
        threads = [threading.Thread(target=worker, args=(t,)) for t in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(errors, [])
        with open(self.out, newline="", encoding="utf-8") as f:
            raw = f.read()
        self.assertTrue(raw.endswith("\n"))
        lines = raw.splitlines()
        self.assertEqual(len(lines), 101)
        self.assertTrue(all(len(next(csv.reader([ln]))) == len(FIELDS) for ln in lines))
        ids = [r["call_id"] for r in self.rows()]
        self.assertEqual(len(set(ids)), 100)


class TestOtlp(CollectorCase):
    def spans(self, n=3):
        from instrumentation.demo_app import SimulatedAI, feature_call, workload
        from instrumentation.revenium_otel import export_request, request_spans
        ai, spans, calls = SimulatedAI(3), [], []
        for meta, feature in workload(n, 3):
            c = feature_call(ai, feature)
            calls.append((c, meta, feature))
            spans.extend(request_spans(c, meta, feature))
        return export_request(spans), calls

    def test_genai_spans_become_rows(self):
        doc, calls = self.spans(6)
        st, ans = self.post("/v1/traces", json.dumps(doc))
        self.assertEqual((st, ans["written"]), (202, 6))  # the SERVER spans are not AI calls: ignored
        rows = {r["request_id"]: r for r in self.rows()}
        for c, meta, feature in calls:
            r = rows[c.id]
            pin, pout = PRICES[c.model]
            want = (c.input_tokens * pin + c.output_tokens * pout) / 1e6
            self.assertAlmostEqual(float(r["cost_usd"]), want, places=6)
            self.assertEqual((r["customer_id"], r["organization_id"], r["feature_id"], r["subscription_tier"]),
                             (meta.subscriber.id, meta.organization_name, feature, meta.subscription_tier))
            self.assertEqual(int(r["latency_ms"]), c.duration_ms)
        attrs = [a["key"] for a in doc["resourceSpans"][0]["scopeSpans"][0]["spans"][1]["attributes"]]
        self.assertIn("gen_ai.provider.name", attrs)
        self.assertNotIn("gen_ai.system", attrs)
        st, ans = self.post("/v1/traces", json.dumps(doc))  # the same spans again: nothing new
        self.assertEqual((ans["written"], ans["duplicate"]), (0, 6))

    def test_bad_spans_are_refused_whole(self):
        doc, _ = self.spans(2)
        spans = doc["resourceSpans"][0]["scopeSpans"][0]["spans"]
        for a in spans[3]["attributes"]:
            if a["key"] == "gen_ai.usage.output_tokens":
                a["value"] = {"intValue": "-3"}
        st, ans = self.post("/v1/traces", json.dumps(doc))
        self.assertEqual(st, 400)
        self.assertIn("output_tokens", ans["error"])
        self.assertEqual(self.rows(), [])
        st, _ = self.post("/v1/traces", json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [{"attributes": [
            {"key": "gen_ai.provider.name", "value": {"stringValue": "openai"}}], "traceId": "zz"}]}]}]}))
        self.assertEqual(st, 400)
        self.assertEqual(self.rows(), [])

    def test_token_counts_as_sent_and_malformed_values(self):
        doc, calls = self.spans(1)
        genai = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][1]["attributes"]
        for a in genai:
            if a["key"] == "gen_ai.usage.input_tokens":
                a["value"] = {"intValue": calls[0][0].input_tokens}  # a JSON number, as some exporters send it
        st, ans = self.post("/v1/traces", json.dumps(doc))
        self.assertEqual((st, ans["written"]), (202, 1))
        self.assertEqual(self.rows()[0]["input_tokens"], str(calls[0][0].input_tokens))
        nested = '{"arrayValue": {"values": [' * 2000 + '{"stringValue": "x"}' + ']}}' * 2000
        for key, bad in (("x.tags", '{"arrayValue": [1, 2]}'), ("x.tags", '{"arrayValue": {"values": 5}}'),
                         ("gen_ai.usage.output_tokens", '{"intValue": "lots"}'), ("x.tags", nested)):
            genai.append({"key": key, "value": "BAD"})
            st, ans = self.post("/v1/traces", json.dumps(doc).replace('"BAD"', bad))
            self.assertEqual(st, 400, ans)  # refused with a message, never a dropped connection
            self.assertTrue(ans["error"])
            genai.pop()
        self.assertEqual(len(self.rows()), 1)


if __name__ == "__main__":
    unittest.main()
