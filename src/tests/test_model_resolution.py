"""Model ids as exports write them resolve to one catalog entry (pricing.catalog.Catalog.resolve), everywhere.

The table below is typed by hand from real exports and providers' docs: OpenAI usage and fine-tuning ids, Anthropic
dated ids and aliases, Bedrock model ids and cross-region inference profiles, Azure fine-tuned deployments,
LiteLLM/OpenRouter prefixed ids, Vertex and Gemini preview ids, Cohere and Mistral dated ids. Each row says which
entry the id must price at and how it matched; the negative rows are ids that look close but are other models.
"""
import csv
import datetime as dt
import json
import os
import unittest

from analyzers.finops.optimization import OptimizationAnalyzer
from pricing.catalog import cost_micro, load_catalog
from simulator.core import AICallSimulator

from naive import SRC, TempDir, row, write_csv, write_text

# (provider as exported, model id as exported, catalog provider, catalog model, steps, fine-tuned)
TABLE = [
    ("anthropic", "claude-opus-4-6", "anthropic", "claude-opus-4-6", "exact", False),
    ("anthropic", "claude-opus-4-6-20260205", "anthropic", "claude-opus-4-6", "dated", False),
    ("anthropic", "claude-sonnet-4-20250514", "anthropic", "claude-sonnet-4", "dated", False),
    ("anthropic", "claude-4-sonnet-20250514", "anthropic", "claude-sonnet-4", "alias+dated", False),
    ("anthropic", "claude-opus-4-0", "anthropic", "claude-opus-4", "alias", False),
    ("anthropic", "claude-3-5-haiku-20241022", "anthropic", "claude-3-5-haiku", "dated", False),
    ("anthropic", "claude-3-5-haiku-latest", "anthropic", "claude-3-5-haiku", "dated", False),
    ("anthropic", "claude-haiku-4-5-20251001", "anthropic", "claude-haiku-4-5", "dated", False),
    ("anthropic", "CLAUDE-SONNET-4-5", "anthropic", "claude-sonnet-4-5", "exact", False),
    ("anthropic", "claude-fable-5-2", "anthropic", "claude-fable-5-2", "exact", False),
    ("openai", "o1-mini", "openai", "o1-mini", "exact", False),
    ("openai", "o1-mini-2024-09-12", "openai", "o1-mini", "dated", False),
    ("openai", "gpt-4o-2024-08-06", "openai", "gpt-4o", "dated", False),
    ("openai", "gpt-4o-mini-2024-07-18", "openai", "gpt-4o-mini", "dated", False),
    ("openai", "gpt-4-0613", "openai", "gpt-4", "alias", False),
    ("openai", "gpt-4-1106-preview", "openai", "gpt-4-turbo", "alias", False),
    ("openai", "gpt-4-turbo-2024-04-09", "openai", "gpt-4-turbo", "alias", False),
    ("openai", "gpt-3.5-turbo-0125", "openai", "gpt-3.5-turbo", "dated", False),
    ("openai", "gpt-5-mini-2025-08-07", "openai", "gpt-5-mini", "dated", False),
    ("openai", "gpt-5.6", "openai", "gpt-5.6-sol", "alias", False),
    ("openai", "ft:gpt-4o-2024-08-06:org::id", "openai", "gpt-4o", "fine-tuned+dated", True),
    ("openai", "ft:gpt-4o-mini-2024-07-18:acme:support-bot:9AbCdEf1", "openai", "gpt-4o-mini", "fine-tuned+dated",
     True),
    ("openai", "ft:gpt-3.5-turbo-0125:acme::8xYz", "openai", "gpt-3.5-turbo", "fine-tuned+dated", True),
    ("azure", "gpt-4o-mini-2024-07-18.ft-0e208cf33a6a466994aff31a08aba678", "azure", "gpt-4o-mini",
     "fine-tuned+dated", True),
    ("azure", "gpt-4o", "azure", "gpt-4o", "exact", False),
    ("azure", "gpt-4o-2024-11-20", "azure", "gpt-4o", "dated", False),
    ("azure", "o3-mini", "openai", "o3-mini", "other provider", False),
    ("", "openai/gpt-4o", "openai", "gpt-4o", "prefixed", False),
    ("openai", "openai/gpt-4o", "openai", "gpt-4o", "prefixed", False),
    ("openrouter", "anthropic/claude-sonnet-4.5", "anthropic", "claude-sonnet-4-5", "prefixed+dots", False),
    ("openrouter", "anthropic/claude-3.5-sonnet", "anthropic", "claude-3-5-sonnet", "prefixed+dots", False),
    ("google", "models/gemini-2.5-pro", "google", "gemini-2.5-pro", "prefixed", False),
    ("vertex_ai", "gemini-2.5-flash-preview-09-2025", "google", "gemini-2.5-flash", "dated", False),
    ("gemini", "gemini/gemini-3.1-pro-preview", "google", "gemini-3.1-pro-preview", "prefixed", False),
    ("google", "gemini-2.0-flash-001", "google", "gemini-2.0-flash", "dated", False),
    ("bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "bedrock", "anthropic.claude-sonnet-4-5",
     "region+dated", False),
    ("bedrock", "eu.anthropic.claude-haiku-4-5-20251001-v1:0", "bedrock", "anthropic.claude-haiku-4-5",
     "region+dated", False),
    ("bedrock", "global.anthropic.claude-opus-5-5", "bedrock", "anthropic.claude-opus-5-5", "region", False),
    ("bedrock", "jp.anthropic.claude-opus-5-5", "bedrock", "anthropic.claude-opus-5-5", "region", False),
    ("bedrock", "anthropic.claude-v2:1", "bedrock", "anthropic.claude-v2", "dated", False),
    ("bedrock", "anthropic.claude-instant-v1", "bedrock", "anthropic.claude-instant-v1", "exact", False),
    ("bedrock", "claude-instant-v1", "bedrock", "anthropic.claude-instant-v1", "vendor", False),
    ("aws.bedrock", "anthropic.claude-3-5-haiku-20241022-v1:0", "bedrock", "anthropic.claude-3-5-haiku", "dated",
     False),
    ("bedrock", "anthropic.claude-opus-4-6-v1", "anthropic", "claude-opus-4-6", "vendor+dated+other provider", False),
    ("bedrock", "amazon.nova-pro-v1:0", "bedrock", "amazon.nova-pro", "dated", False),
    ("bedrock_converse", "us.amazon.nova-2-lite-v1:0", "bedrock", "amazon.nova-2-lite", "region+dated", False),
    ("bedrock", "openai.gpt-oss-120b-1:0", "bedrock", "openai.gpt-oss-120b", "dated", False),
    ("bedrock", "bedrock/us-west-2/qwen.qwen3-coder-next", "bedrock", "qwen.qwen3-coder-next", "prefixed", False),
    ("", "gpt-oss-120b", "bedrock", "openai.gpt-oss-120b", "alias", False),
    ("groq", "gpt-oss-120b", "bedrock", "openai.gpt-oss-120b", "alias+other provider", False),
    ("", "qwen3-coder-next", "bedrock", "qwen.qwen3-coder-next", "alias", False),
    ("mistral", "mistral-large-2411", "mistral", "mistral-large-2411", "exact", False),
    ("mistral", "mistral-large-2512", "mistral", "mistral-large-latest", "alias", False),
    ("mistral_ai", "mistral-small-2506", "mistral", "mistral-small-latest", "alias", False),
    ("mistral", "mistral/mistral-medium-latest", "mistral", "mistral-medium-3-5", "prefixed+alias", False),
    ("cohere", "command-r-08-2024", "cohere", "command-r", "alias", False),
    ("cohere_chat", "command-a-03-2025", "cohere", "command-a", "alias", False),
    ("cohere", "command-r7b-12-2024", "cohere", "command-r7b", "alias", False),
]
# Close to a catalog id, but another model (another price): never priced by a family match.
UNPRICED = [("openai", "gpt-4o-minimal"), ("openai", "gpt-4-32k"), ("openai", "chatgpt-4o-latest"),
            ("openai", "o3-pro"), ("anthropic", "claude-sonnet-4-7"), ("openai", "gpt-5-codex"),
            ("google", "gemini-2.5-flash-image"), ("", "my-finetune-7b"), ("openai", "ft:"), ("openai", ""),
            ("bedrock", "arn:aws:bedrock:us-east-1:123456789012:custom-model/acme.model/abc")]


class ResolutionTable(TempDir):
    catalog = load_catalog()

    def test_table_of_real_ids(self):
        for provider, model, want_p, want_m, how, tuned in TABLE:
            r = self.catalog.resolve(provider, model)
            self.assertIsNotNone(r, (provider, model))
            self.assertEqual((r.entry.provider, r.entry.model, r.how, r.fine_tuned), (want_p, want_m, how, tuned),
                             (provider, model))
        self.assertGreaterEqual(len(TABLE), 50)

    def test_lookalikes_stay_unpriced(self):
        for provider, model in UNPRICED:
            self.assertIsNone(self.catalog.resolve(provider, model), (provider, model))

    def test_every_entry_and_alias_resolves_to_itself(self):
        for e in self.catalog.entries:
            self.assertIs(self.catalog.resolve(e.provider, e.model).entry, e, e.model)
            for a in e.aliases:
                r = self.catalog.resolve(e.provider, a)
                self.assertEqual((r.entry, r.how), (e, "alias"), a)

    def test_get_and_find_model_are_resolve(self):
        for provider, model, _, _, _, _ in TABLE:
            self.assertIs(self.catalog.get(provider, model), self.catalog.resolve(provider, model).entry)
        self.assertEqual(self.catalog.find_model("claude-instant-v1").model, "anthropic.claude-instant-v1")

    def test_an_exact_prices_entry_beats_every_family_match(self):
        path = write_text(self.path("p.csv"), "provider,model,input_per_1m,output_per_1m\n"
                          "openai,ft:gpt-4o-2024-08-06:org::id,3.75,15.00\nopenai,gpt-4o-2024-08-06,2.00,8.00\n"
                          "bedrock,us.anthropic.claude-sonnet-4-5-20250929-v1:0,3.30,16.50\n")
        c = load_catalog(path)
        for model, micro_in in (("ft:gpt-4o-2024-08-06:org::id", 3750000), ("gpt-4o-2024-08-06", 2000000)):
            r = c.resolve("openai", model)
            self.assertEqual((r.how, r.fine_tuned, r.entry.input_micro_per_1m), ("exact", False, micro_in))
        self.assertEqual(c.resolve("bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0").entry.output_micro_per_1m,
                         16500000)
        self.assertEqual(c.resolve("openai", "ft:gpt-4o-mini-2024-07-18:org::x").entry.model, "gpt-4o-mini")
        self.assertEqual(c.resolve("openai", "gpt-4o").entry.input_micro_per_1m, 2500000)  # the family is untouched


class CurrentCatalog(unittest.TestCase):
    """The built-in catalog: current models of every provider, prices as published, source and date."""

    with open(os.path.join(SRC, "pricing", "prices.json"), encoding="utf-8") as f:
        doc = json.load(f)

    def test_source_date_and_size(self):
        self.assertEqual(self.doc["as_of"], "2026-12-02")
        self.assertIn("LiteLLM", self.doc["source"])
        self.assertGreaterEqual(len(self.doc["models"]), 90)
        keys = [(m["provider"], m["model"]) for m in self.doc["models"]]
        self.assertEqual(len(keys), len(set(keys)))

    def test_each_provider_has_a_flagship_mid_and_small_model_on_sale_today(self):
        c = load_catalog()
        for provider in ("openai", "anthropic", "google", "bedrock", "azure", "mistral", "cohere"):
            classes = {e.model_class for e in c.entries if e.provider == provider and e.on_sale("2026-12-02")}
            self.assertEqual(classes, {"premium", "standard", "economy"}, provider)

    def test_published_prices(self):
        # (input, output, cache read, cache write) USD per 1M tokens, typed from the providers' pages
        want = {("anthropic", "claude-opus-4-6"): (5, 25, 0.5, 6.25),
                ("anthropic", "claude-opus-5-5"): (4, 20, 0.2, 5),
                ("anthropic", "claude-sonnet-5-5"): (2, 10, 0.1, 2.5),
                ("anthropic", "claude-haiku-4-5"): (1, 5, 0.1, 1.25),
                ("anthropic", "claude-sonnet-4"): (3, 15, 0.3, 3.75),
                ("openai", "gpt-6-luna"): (0.1, 0.5, 0.01, 0.125),
                ("openai", "gpt-6.2-sol"): (2, 10, 0.1, 2.5), ("openai", "gpt-4o"): (2.5, 10, 1.25, None),
                ("openai", "gpt-5-nano"): (0.05, 0.4, 0.005, None),
                ("google", "gemini-2.5-pro"): (1.25, 10, 0.125, None),
                ("mistral", "mistral-large-latest"): (0.5, 1.5, None, None),
                ("cohere", "command-r7b"): (0.0375, 0.15, None, None)}
        got = {(m["provider"], m["model"]): (m["input_per_1m"], m["output_per_1m"], m.get("cached_input_per_1m"),
                                             m.get("cache_write_per_1m")) for m in self.doc["models"]}
        for key, prices in want.items():
            self.assertEqual(got[key], prices, key)
        e = load_catalog().get("cohere", "command-r7b")
        self.assertEqual((e.input_micro_per_1m, e.output_micro_per_1m), (37500, 150000))  # exact micro-dollars

    def test_batch_discounts_by_provider(self):
        c = load_catalog()
        self.assertEqual(c.batch_pct(c.get("openai", "gpt-6.2-sol")), 50)
        self.assertEqual(c.batch_pct(c.get("bedrock", "anthropic.claude-opus-5-5")), 50)
        self.assertIsNone(c.batch_pct(c.get("cohere", "command-a")))


class SimulatedPeriod(TempDir):
    """A simulation uses the models on sale in the period it simulates."""

    def models(self, start, days=3):
        path = self.path("s%s.csv" % start)
        AICallSimulator(num_customers=30, num_days=days, seed=3, start=start).write_csv(path)
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        return rows, {r["model"] for r in rows}

    def test_every_call_is_on_a_model_on_sale_that_day(self):
        c = load_catalog()
        for start in (dt.date(2025, 3, 1), dt.date(2026, 1, 1), dt.date(2026, 12, 1)):
            rows, _ = self.models(start)
            for r in rows:
                e = c.get(r["provider"], r["model"])
                self.assertTrue(e.on_sale(r["timestamp"][:10]), (r["model"], r["timestamp"]))
                self.assertEqual(r["cost_usd"], "%d.%06d" % divmod(cost_micro(e, int(r["input_tokens"]),
                                                                               int(r["output_tokens"])), 1000000))

    def test_a_2026_december_simulation_uses_the_models_of_late_2026(self):
        _, late = self.models(dt.date(2026, 12, 1), days=7)
        self.assertTrue({"gpt-4", "gpt-4-turbo", "o1", "gemini-2.5-pro", "claude-3-7-sonnet"}.isdisjoint(late), late)
        self.assertTrue({"gpt-6.2-sol", "gpt-6-luna", "claude-fable-5-2", "gemini-3.8-flash"} <= late, late)
        _, early = self.models(dt.date(2025, 3, 1))
        self.assertTrue({"gpt-5", "claude-opus-4-5", "gpt-6-luna"}.isdisjoint(early))

    def test_nothing_on_sale_is_a_clear_error(self):
        from utils.errors import ConfigError
        with self.assertRaises(ConfigError) as cm:
            AICallSimulator(num_customers=3, num_days=1, seed=1, start=dt.date(2001, 1, 1))
        self.assertIn("no model of the price catalog is on sale on 2001-01-01", str(cm.exception))


class RecommendsWhatIsOnSale(TempDir):
    def test_right_sizing_never_moves_to_a_retired_model(self):
        # gpt-4 chat on 2027-02-01: gpt-5-nano (retired 2026-12-11) and gpt-4o-mini (2027-01-14) are gone; the
        # cheapest OpenAI economy model on sale is gpt-6-luna at $0.10 / $0.50
        rows = [dict(row("2027-02-01T%02d:00:00Z" % h, cost="0.060000", model="gpt-4", inp=1000, out=500),
                     subscription_tier="enterprise") for h in range(10)]
        doc = OptimizationAnalyzer(write_csv(self.path("c.csv"), rows)).analyze()
        move = [r for r in doc["metrics"]["right_sizing"] if r["from_model"] == "gpt-4"][0]
        self.assertEqual((move["to_provider"], move["to_model"]), ("openai", "gpt-6-luna"))
        self.assertAlmostEqual(move["target_cost_usd_per_month"], 10 * (1000 * 0.10 + 500 * 0.50) / 1e6 * 30, places=6)


if __name__ == "__main__":
    unittest.main()
