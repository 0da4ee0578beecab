"""Metering delivery: the app with the endpoint up, down (exit 0, every record spooled), replay exactly once,
the circuit breaker, the queue spilling to the spool, and the API key never shown."""
import io
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import unittest

from helpers import REPO, Collector, TempDirCase, dead_endpoint, read_rows, request, run as run_python, write
from instrumentation.collector_metering import REQUIRED
from instrumentation.tracker import ReveniumTracker
from instrumentation.tracker_delivery import CircuitBreaker

COLLECTOR = os.path.join(REPO, "showcase", "instrumentation", "local_collector.py")
BASIC = os.path.join(REPO, "showcase", "instrumentation", "revenium_basic.py")
OTEL = os.path.join(REPO, "showcase", "instrumentation", "revenium_otel.py")
SECRET = "sk-test-DO-NOT-PRINT-4242"


def run(*args, timeout=60):
    return run_python(*args, timeout=timeout, env={"REVENIUM_METERING_API_KEY": SECRET})


class TestDelivery(TempDirCase):
    tmp_prefix = "delivery-"

    def test_endpoint_up_every_call_metered_once(self):
        col = Collector(self.path("m.csv"))
        try:
            spool = self.path("spool.jsonl")
            p = run(BASIC, "--endpoint", col.url, "--calls", "30", "--spool", spool)
            self.assertEqual(p.returncode, 0, p.stderr)
            p2 = run(OTEL, "--endpoint", col.url, "--calls", "12")
            self.assertEqual(p2.returncode, 0, p2.stderr)
            rows = col.rows()
        finally:
            col.stop()
        self.assertEqual(len(rows), 42)
        self.assertEqual(len({r["call_id"] for r in rows}), 42)
        self.assertFalse(os.path.exists(spool))
        self.assertTrue(all(r["customer_id"] and r["organization_id"] and r["feature_id"] for r in rows))
        self.assertNotIn(SECRET, p.stdout + p.stderr)

    def test_collector_command_on_port_0_prints_the_url_it_bound(self):
        out = self.path("m.csv")
        proc = subprocess.Popen([sys.executable, COLLECTOR, "--port", "0", "--output", out, "--quiet"], cwd=REPO,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                                env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
        try:
            first = proc.stdout.readline()
            m = re.match(r"Collecting on (http://127\.0\.0\.1:(\d+))/v2/ai/completions and ", first)
            self.assertIsNotNone(m, first)
            p = run(BASIC, "--endpoint", m.group(1), "--calls", "5", "--spool", self.path("s.jsonl"))
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(request(int(m.group(2)), "GET", "/health"), (200, {"status": "ok", "rows": 5}))
        finally:
            proc.send_signal(signal.SIGTERM)  # stops it as Ctrl+C does
            stdout, stderr = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 0, stderr)
        self.assertIn("Stopped; %s holds 5 rows" % out, stdout)
        self.assertEqual(len(read_rows(out)), 5)

    def test_endpoint_down_then_replay_exactly_once(self):
        spool = self.path("spool.jsonl")
        t0 = time.time()
        with dead_endpoint() as dead:
            p = run(BASIC, "--endpoint", dead, "--calls", "25", "--spool", spool)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertLess(time.time() - t0, 30)
        with open(spool, encoding="utf-8") as f:
            text = f.read()
        spooled = [json.loads(line) for line in text.splitlines()]
        self.assertEqual(len(spooled), 25)
        self.assertEqual(len({r["transactionId"] for r in spooled}), 25)
        for out in (p.stdout, p.stderr, text):
            self.assertNotIn(SECRET, out)
        copy = self.path("copy.jsonl")
        shutil.copy(spool, copy)
        col = Collector(self.path("m.csv"))  # the service is back (on a port of its own: the spool has no URL)
        try:
            r1 = run(BASIC, "--endpoint", col.url, "--replay", spool)
            self.assertEqual(r1.returncode, 0, r1.stderr)
            self.assertIn("25 delivered", r1.stdout)
            self.assertFalse(os.path.exists(spool))  # delivered: the spool is gone
            r2 = run(BASIC, "--endpoint", col.url, "--replay", copy)  # the same records again
            self.assertEqual(r2.returncode, 0, r2.stderr)
            self.assertIn("0 delivered, 25 already there", r2.stdout)
            rows = col.rows()
        finally:
            col.stop()
        self.assertEqual(sorted(r["call_id"] for r in rows), sorted(r["transactionId"] for r in spooled))

    def test_replay_with_endpoint_still_down_keeps_everything(self):
        spool = write(self.path("spool.jsonl"), "".join(json.dumps({"transactionId": "r-%d" % i}) + "\n"
                                                        for i in range(7)))
        with dead_endpoint() as dead:
            p = run(BASIC, "--endpoint", dead, "--replay", spool, "--timeout", "0.5")
        self.assertEqual(p.returncode, 1)
        with open(spool, encoding="utf-8") as f:
            self.assertEqual(sorted(json.loads(x)["transactionId"] for x in f), ["r-%d" % i for i in range(7)])

    def test_missing_spool_is_a_one_line_error(self):
        p = run(BASIC, "--endpoint", "http://127.0.0.1:9", "--replay", self.path("nope.jsonl"))
        self.assertEqual(p.returncode, 2)
        self.assertNotIn("Traceback", p.stderr)

    def test_no_endpoint_prints_the_records(self):
        p = run(BASIC, "--calls", "4")
        self.assertEqual(p.returncode, 0, p.stderr)
        recs = [json.loads(x) for x in p.stdout.splitlines()]
        self.assertEqual(len(recs), 4)
        for r in recs:
            for k in REQUIRED:
                self.assertIn(k, r)
            self.assertEqual(r["totalTokenCount"], r["inputTokenCount"] + r["outputTokenCount"])
        p = run(OTEL, "--calls", "2")
        doc = json.loads(p.stdout)
        self.assertEqual(len(doc["resourceSpans"][0]["scopeSpans"][0]["spans"]), 4)


class TestTrackerInProcess(TempDirCase):
    tmp_prefix = "tracker-"

    def setUp(self):
        super(TestTrackerInProcess, self).setUp()
        logging.getLogger("revenium.metering").setLevel(logging.CRITICAL)  # expected failures: keep output clean

    def test_full_queue_spills_to_the_spool_and_nothing_is_lost(self):
        spool = self.path("s.jsonl")
        with dead_endpoint() as dead:
            t = ReveniumTracker(dead, queue_size=2, batch_size=5, flush_interval=0.05, spool_path=spool, timeout=0.5,
                                max_retries=1, backoff=0.01)
            now = time.time()
            ids = [t.track_ai_call("OpenAI", "gpt-4o", 10, 5, now, now + 1, organizationName="acme") for _ in range(50)]
            counts = t.close()
        with open(spool, encoding="utf-8") as f:
            got = [json.loads(x)["transactionId"] for x in f]
        self.assertEqual(sorted(got), sorted(ids))
        self.assertEqual((counts["tracked"], counts["spooled"], counts["delivered"]), (50, 50, 0))

    def test_track_never_raises(self):
        t = ReveniumTracker(None, out=io.StringIO())
        self.assertEqual(t.track_ai_call("OpenAI", "gpt-4o", 1, 1, "not-a-time", None), "")
        t.close()

    def test_circuit_breaker_opens_and_half_opens(self):
        now = [100.0]
        b = CircuitBreaker(threshold=3, cooldown=10.0, clock=lambda: now[0])
        for _ in range(2):
            b.failure()
        self.assertTrue(b.allow())
        b.failure()
        self.assertFalse(b.allow())
        now[0] += 9.9
        self.assertFalse(b.allow())
        now[0] += 0.2
        self.assertTrue(b.allow())  # one trial after the cool-down
        b.failure()
        self.assertFalse(b.allow())
        now[0] += 10.0
        b.success()
        self.assertTrue(b.allow())
        self.assertEqual(b.failures, 0)

    def test_decorator_and_context_manager_meter_with_context(self):
        from instrumentation.demo_app import SimulatedAI, customer_metadata, feature_call
        buf = io.StringIO()
        t = ReveniumTracker(None, out=buf)
        ai = SimulatedAI(1)

        @t.metered(agent="ticket-summary", taskType="summarization")
        def summarize():
            return feature_call(ai, "ticket-summary")

        meta = customer_metadata("cust-1", "acme", "helpdesk", "pro")
        with t.business_context(meta):
            c1 = summarize()
            with t.track(agent="kb-search") as call:
                call.completion = feature_call(ai, "kb-search")
        with self.assertRaises(ZeroDivisionError):
            with t.track(agent="x") as call:
                1 / 0
        t.close()
        recs = [json.loads(x) for x in buf.getvalue().splitlines()]
        self.assertEqual(len(recs), 2)  # the failed block meters nothing
        self.assertEqual(recs[0]["requestId"], c1.id)
        self.assertEqual([r["agent"] for r in recs], ["ticket-summary", "kb-search"])
        self.assertTrue(all(r["subscriber"]["id"] == "cust-1" and r["organizationName"] == "acme" for r in recs))
        self.assertNotIn("x-api-key", buf.getvalue())


if __name__ == "__main__":
    unittest.main()
