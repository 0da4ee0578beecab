"""--prices reads LiteLLM's price map as it is; it prices exactly like the equivalent CSV; bad files fail cleanly;
every report names the models it cannot price.

The LiteLLM map below is hand-made in the documented shape of model_prices_and_context_window.json (a
`sample_spec` with its text values, chat entries with cache prices, a provider-prefixed key, a regional duplicate,
an embedding, and entries priced per image, per second and per character). Expected costs are worked out by hand.
"""
import csv
import io
import json
import os
import unittest
from contextlib import redirect_stderr, redirect_stdout
from decimal import Decimal

import import_usage
from analyzers import passes, runner
from analyzers.registry import IDS
from pricing.catalog import load_catalog

from naive import ROOT, TempDir, row, run_py, write_csv, write_text

LITELLM = {
    "sample_spec": {"input_cost_per_token": 0.0, "output_cost_per_token": 0.0,
                    "litellm_provider": "one of https://docs.litellm.ai/docs/providers",
                    "max_input_tokens": "max input tokens, if the provider specifies it. if not default to max_tokens",
                    "mode": "one of: chat, embedding, completion, image_generation, audio_transcription, audio_speech"},
    "gpt-9-turbo": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1.5e-06,
                    "output_cost_per_token": 6e-06, "cache_read_input_token_cost": 1.5e-07,
                    "max_input_tokens": 200000, "max_output_tokens": 32768, "supports_function_calling": True},
    "claude-opus-9": {"litellm_provider": "anthropic", "mode": "chat", "input_cost_per_token": 7e-06,
                      "output_cost_per_token": 3.5e-05, "cache_read_input_token_cost": 7e-07,
                      "cache_creation_input_token_cost": 8.75e-06, "max_input_tokens": 1000000},
    "gemini/gemini-9-flash": {"litellm_provider": "gemini", "mode": "chat", "input_cost_per_token": 3.75e-07,
                              "output_cost_per_token": 1.875e-06, "deprecation_date": "2027-06-30"},
    "azure/gpt-9-turbo": {"litellm_provider": "azure", "mode": "chat", "input_cost_per_token": 1.5e-06,
                          "output_cost_per_token": 6e-06},
    "azure/eu/gpt-9-turbo": {"litellm_provider": "azure", "mode": "chat", "input_cost_per_token": 1.65e-06,
                             "output_cost_per_token": 6.6e-06},
    "text-embedding-9": {"litellm_provider": "openai", "mode": "embedding", "input_cost_per_token": 2e-08,
                         "output_vector_size": 1536},
    "dall-e-9": {"litellm_provider": "openai", "mode": "image_generation", "output_cost_per_image": 0.04},
    "whisper-9": {"litellm_provider": "openai", "mode": "audio_transcription", "input_cost_per_second": 0.0001},
    "tts-9": {"litellm_provider": "openai", "mode": "audio_speech", "input_cost_per_character": 1.5e-05},
    "gpt-9-half": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-06},
}
# The same prices as our CSV (USD per 1M tokens).
CSV = ("provider,model,input_per_1m,output_per_1m,cached_input_per_1m,cache_write_per_1m,context_window\n"
       "openai,gpt-9-turbo,1.50,6.00,0.15,,200000\n"
       "anthropic,claude-opus-9,7.00,35.00,0.70,8.75,1000000\n"
       "google,gemini-9-flash,0.375,1.875,,,\n"
       "azure,gpt-9-turbo,1.50,6.00,,,\n"
       "openai,text-embedding-9,0.02,0,,,\n")
DAY = 1772323200  # 2026-03-01T00:00:00Z


def openai_page():
    def res(model, inp, cached, out, n):
        return {"object": "organization.usage.completions.result", "input_tokens": inp, "input_cached_tokens": cached,
                "output_tokens": out, "input_audio_tokens": 0, "output_audio_tokens": 0, "num_model_requests": n,
                "project_id": "p", "user_id": "u", "api_key_id": None, "model": model, "batch": False}
    return {"object": "page", "has_more": False, "next_page": None, "data": [
        {"object": "bucket", "start_time": DAY, "end_time": DAY + 86400,
         "results": [res("gpt-9-turbo-2026-11-01", 100000, 40000, 20000, 4), res("text-embedding-9", 50000, 0, 0, 2)]}]}


def anthropic_report():
    r = {"uncached_input_tokens": 10000, "cache_read_input_tokens": 20000,
         "cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 4000}, "output_tokens": 3000,
         "server_tool_use": {"web_search_requests": 0}, "api_key_id": None, "workspace_id": "w",
         "model": "claude-opus-9", "service_tier": "standard", "context_window": "0-200k"}
    return {"data": [{"starting_at": "2026-03-01T00:00:00Z", "ending_at": "2026-03-01T01:00:00Z", "results": [r]}],
            "has_more": False, "next_page": None}


class LiteLLMMap(TempDir):
    def setUp(self):
        super().setUp()
        self.map = write_text(self.path("model_prices_and_context_window.json"), json.dumps(LITELLM))
        self.csv = write_text(self.path("prices.csv"), CSV)

    def test_same_entries_as_the_equivalent_csv(self):
        a, b = load_catalog(self.map, alone=True), load_catalog(self.csv, alone=True)
        key = lambda e: (e.provider, e.model, e.input_micro_per_1m, e.output_micro_per_1m,  # noqa: E731
                         e.cached_input_micro_per_1m, e.cache_write_micro_per_1m)
        self.assertEqual(sorted(map(key, a.entries)), sorted(map(key, b.entries)))
        self.assertEqual(a.get("openai", "gpt-9-turbo").context_window, 200000)
        self.assertEqual(a.get("google", "gemini-9-flash").retired, "2027-06-30")
        self.assertEqual(a.get("azure", "gpt-9-turbo").input_micro_per_1m, 1500000)  # the global price, not eu
        self.assertFalse(any(e.simulated for e in a.entries))  # no class or dates: priced, never simulated

    def test_entries_without_token_prices_are_skipped_and_counted(self):
        c = load_catalog(self.map)
        self.assertEqual(c.skipped, {"image_generation": 1, "audio_transcription": 1, "audio_speech": 1,
                                     "chat without output_cost_per_token": 1, "regional or duplicate id": 1})
        for model in ("dall-e-9", "whisper-9", "tts-9", "gpt-9-half", "sample_spec"):
            self.assertIsNone(c.resolve("openai", model), model)
        self.assertIn("LiteLLM price map, 5 models", c.source)
        self.assertIn("5 entries without token prices skipped", c.source)
        self.assertIsNotNone(c.get("openai", "gpt-4o"))  # on top of the built-in catalog
        self.assertIsNone(load_catalog(self.map, alone=True).get("openai", "gpt-4o"))  # alone: only the map

    def imported(self, source, export, prices):
        src = write_text(self.path("export.json"), json.dumps(export))
        out = self.path("out-%s.csv" % os.path.basename(prices))
        o, e = io.StringIO(), io.StringIO()
        with redirect_stdout(o), redirect_stderr(e):
            self.assertEqual(import_usage.main(["--from", source, src, "--output", out, "--prices", prices]), 0)
        with open(out, "rb") as f:
            return f.read(), o.getvalue()

    def test_an_import_costs_the_same_with_the_map_and_the_csv(self):
        for source, export, want in (
                # gpt-9-turbo: 60,000 uncached x 1.50 + 40,000 cached x 0.15 + 20,000 x 6.00; embeddings: 50,000 x 0.02
                ("openai", openai_page(), Decimal("0.090") + Decimal("0.006") + Decimal("0.120") + Decimal("0.001")),
                # claude-opus-9: 10,000 x 7 + 20,000 x 0.70 + 4,000 x 8.75 + 3,000 x 35
                ("anthropic", anthropic_report(), Decimal("0.070") + Decimal("0.014") + Decimal("0.035")
                 + Decimal("0.105"))):
            by_map, summary = self.imported(source, export, self.map)
            by_csv, _ = self.imported(source, export, self.csv)
            self.assertEqual(by_map, by_csv, source)
            rows = list(csv.DictReader(io.StringIO(by_map.decode("utf-8"))))
            self.assertEqual(sum(Decimal(r["cost_usd"]) for r in rows), want, source)
            self.assertIn("prices: model_prices_and_context_window.json (LiteLLM price map", summary)

    def test_reports_are_the_same_with_the_map_and_the_csv(self):
        data = write_csv(self.path("calls.csv"), [
            row("2026-03-01T%02d:00:00Z" % h, cost="0.100000", model=m, provider=p, inp=4000, out=400, task="chat")
            for h in range(12) for p, m in (("openai", "gpt-9-turbo"), ("anthropic", "claude-opus-9"))])
        result, _, _ = passes.analyze_file(data, 1)
        docs = []
        for prices in (self.map, self.csv):
            rendered = list(runner.render_reports(result, IDS, {}, load_catalog(prices), "c.csv", 1, "2026-01-01T00:00:00Z"))
            for d, _, _ in rendered:  # the one difference: which file the prices came from
                self.assertIn(os.path.basename(prices), d["metrics"].get("settings", {}).pop("price_catalog", prices))
            docs.append([json.dumps({k: d[k] for k in ("metrics", "recommendations", "notes")}, sort_keys=True)
                         for d, _, _ in rendered])
        self.assertEqual(docs[0], docs[1])
        self.assertFalse(any("not in the price catalog" in d for d in docs[0]))  # the map priced both models


class BadPriceFiles(TempDir):
    def fails(self, text, needle, name="prices.json"):
        path = write_text(self.path(name), text)
        for cmd in (["src/run_all_analyzers.py", "--data", self.path("none.csv"), "--out", self.path("out")],
                    ["src/import_usage.py", "--from", "openai", path, "--output", self.path("o.csv")]):
            p = run_py(cmd + ["--prices", path], cwd=ROOT, timeout=60)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertNotIn("Traceback", p.stderr)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
            self.assertIn(needle, p.stderr)
        self.assertFalse(os.path.exists(self.path("o.csv")))

    def test_malformed_json(self):
        self.fails('{"gpt-9": {"litellm_provider": "openai", ', "not valid JSON")

    def test_a_litellm_map_with_a_bad_number(self):
        for value, shown in (('"abc"', "'abc'"), ("-1e-06", "-1e-06"), ("true", "True"), ("NaN", "nan")):
            self.fails('{"gpt-9": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": %s, '
                       '"output_cost_per_token": 1e-06}}' % value, "entry 'gpt-9' input_cost_per_token is %s" % shown)

    def test_an_entry_that_is_not_an_object(self):
        self.fails('{"gpt-9": {"litellm_provider": "openai", "input_cost_per_token": 1e-06}, "oops": 3}',
                   "entry 'oops' is int")

    def test_a_placeholder_left_in_the_fix_line(self):
        self.fails("provider,model,input_per_1m,output_per_1m\nopenai,gpt-9,INPUT_USD_PER_1M,OUTPUT_USD_PER_1M\n",
                   "still the placeholder INPUT_USD_PER_1M", name="prices.csv")

    def test_prices_alone_needs_a_file(self):
        p = run_py(["src/run_all_analyzers.py", "--data", self.path("none.csv"), "--out", self.path("out"),
                    "--prices-alone"], cwd=ROOT, timeout=60)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--prices-alone needs --prices FILE", p.stderr)


class EveryReportNamesUnpricedModels(TempDir):
    def test_notes_and_data_of_every_report(self):
        data = write_csv(self.path("calls.csv"), [
            row("2026-03-01T%02d:00:00Z" % h, cost="0.010000", model=m, inp=1000 * (h + 1), out=100)
            for h in range(6) for m in ("gpt-9-ultra", "gpt-4o")])
        result, _, _ = passes.analyze_file(data, 1)
        rendered = list(runner.render_reports(result, IDS, {}, load_catalog(), "c.csv", 1, "2026-01-01T00:00:00Z"))
        self.assertEqual(len(rendered), len(IDS))
        for doc, page, _ in rendered:
            want = [{"provider": "openai", "model": "gpt-9-ultra", "calls": 6, "input_tokens": 21000,
                     "output_tokens": 600, "prices_line": "openai,gpt-9-ultra,INPUT_USD_PER_1M,OUTPUT_USD_PER_1M"}]
            self.assertEqual(doc["data"]["unpriced_models"], want, doc["analyzer"])
            notes = [n for n in doc["notes"] if "not in the price catalog" in n]
            self.assertEqual(len(notes), 1, doc["analyzer"])
            for text in ("openai/gpt-9-ultra (6 calls, 21,000 input + 600 output tokens)",
                         "provider,model,input_per_1m,output_per_1m", want[0]["prices_line"]):
                self.assertIn(text, notes[0])
                self.assertIn(text, page)


if __name__ == "__main__":
    unittest.main()
