"""Every importer conserves calls, tokens and cost exactly with the current catalog and ids as exports write them.

Seeded random exports of each source name today's models the way real exports do (dated OpenAI ids, fine-tuned
ids, Bedrock cross-region profiles, Vertex and LiteLLM provider names, Mistral and Cohere dated ids). The expected
cost is recomputed naively from the prices typed below by hand (USD per 1M tokens, from the providers' pages), never
from the catalog or the importer, so a wrong price or a wrong resolution fails here.
"""
import random
import unittest
from decimal import ROUND_HALF_UP, Decimal

from test_import_anthropic import report, res
from test_import_openai import split_result
from test_importers import DAY, Base, attr, page, span

# (input, output, cache read, cache write) USD per 1M tokens; None: no such price (the input price applies)
HAND = {"gpt-6.2-sol": (2, 10, "0.10", "2.50"), "gpt-5-mini": ("0.25", 2, "0.025", None),
        "gpt-4o": ("2.50", 10, "1.25", None), "o1-mini": ("1.10", "4.40", "0.55", None),
        "claude-opus-4-6": (5, 25, "0.50", "6.25"), "claude-sonnet-5-5": (2, 10, "0.10", "2.50"),
        "claude-haiku-5-5": ("0.10", "0.50", "0.01", "0.125"), "anthropic.claude-sonnet-4-5": (3, 15, "0.30", "3.75"),
        "gemini-3.8-flash": ("0.75", "3.75", "0.075", None), "mistral-large-latest": ("0.50", "1.50", None, None),
        "command-a": ("2.50", 10, None, None), "qwen.qwen3-coder-next": ("0.50", "1.20", None, None),
        "anthropic.claude-opus-5-5": (4, 20, "0.20", 5), "gemini-3.1-pro-preview": (2, 12, "0.20", None),
        "claude-haiku-4-5": (1, 5, "0.10", "1.25"), "gpt-6-luna": ("0.10", "0.50", "0.01", "0.125")}


def usd(model, uncached, output, read=0, write=0, write_1h=0, discount=0):
    """Naive list price (Decimal USD, unrounded) of these tokens on `model` (a key of HAND)."""
    i, o, c, w = (Decimal(str(v)) if v is not None else None for v in HAND[model])
    total = uncached * i + read * (c if c is not None else i) + write * (w if w is not None else i) \
        + write_1h * 2 * i + output * o
    return total / 10 ** 6 * (100 - discount) / 100


def micro(v):
    return v.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


class CurrentModels(Base):
    def check(self, rows, calls, inp, out, cost):
        self.assertEqual(len(rows), calls)
        self.assertEqual((self.total(rows, "input_tokens"), self.total(rows, "output_tokens")), (inp, out))
        self.assertEqual(self.cost(rows), cost)

    def test_openai(self):
        models = [("gpt-6.2-sol-2026-11-17", "gpt-6.2-sol"), ("gpt-5-mini-2025-08-07", "gpt-5-mini"),
                  ("ft:gpt-4o-2024-08-06:acme:bot:9x", "gpt-4o"), ("o1-mini-2024-09-12", "o1-mini")]
        rng = random.Random(20)
        results, calls, inp, out, cost = [], 0, 0, 0, Decimal(0)
        for k in range(12):
            mid, base = models[k % len(models)]
            n, cached, write = rng.randint(1, 30), rng.randint(0, 900), rng.randint(0, 300)
            total_in, total_out = rng.randint(1200, 90000), rng.randint(0, 9000)
            batch = rng.random() < 0.4
            results.append(split_result(mid, n, input_tokens=total_in, output_tokens=total_out,
                                        input_cached_tokens=cached, input_cache_write_tokens=write, batch=batch,
                                        user_id="u%d" % k))
            cost += micro(usd(base, total_in - cached - write, total_out, cached, write, discount=50 if batch else 0))
            calls, inp, out = calls + n, inp + total_in, out + total_out
        rows, _, err = self.imp("openai", self.write("p.json", page([(DAY, results)])))
        self.check(rows, calls, inp, out, cost)
        self.assertIn("fine-tuned models priced at their base model's list price", err)
        self.assertNotIn("not in the price catalog", err)

    def test_anthropic(self):
        rng = random.Random(21)
        results, inp, out, cost = [], 0, 0, Decimal(0)
        for k, model in enumerate(["claude-opus-4-6", "claude-sonnet-5-5", "claude-haiku-5-5"] * 2):
            tier = "batch" if k >= 3 else "standard"
            r = res(rng.randint(0, 99999), rng.randint(0, 9999), rng.randint(0, 999), rng.randint(0, 999),
                    rng.randint(1, 9999), rng.randint(0, 4), tier, workspace_id="ws_%d" % k, model=model)
            c = r["cache_creation"]
            results.append(r)
            inp += r["uncached_input_tokens"] + r["cache_read_input_tokens"] + sum(c.values())
            out += r["output_tokens"]
            cost += micro(usd(model, r["uncached_input_tokens"], r["output_tokens"], r["cache_read_input_tokens"],
                              c["ephemeral_5m_input_tokens"], c["ephemeral_1h_input_tokens"],
                              discount=50 if tier == "batch" else 0)
                          + r["server_tool_use"]["web_search_requests"] * Decimal("0.01"))
        rows, _, err = self.imp("anthropic", self.write("a.json", report(results)))
        self.check(rows, 24 * len(results), inp, out, cost)
        self.assertNotIn("price", err)

    def test_litellm_rows_without_spend(self):
        ids = [("bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-sonnet-4-5"),
               ("vertex_ai", "gemini-3.8-flash", "gemini-3.8-flash"),
               ("mistral", "mistral-large-2512", "mistral-large-latest"),
               ("cohere_chat", "command-a-03-2025", "command-a"), ("", "qwen3-coder-next", "qwen.qwen3-coder-next")]
        rng = random.Random(22)
        records, inp, out, cost = [], 0, 0, Decimal(0)
        for k in range(25):
            provider, mid, base = ids[k % len(ids)]
            i, o = rng.randint(0, 50000), rng.randint(0, 5000)
            records.append({"request_id": "r%d" % k, "startTime": "2026-11-20T10:%02d:00Z" % k, "model": mid,
                            "custom_llm_provider": provider, "prompt_tokens": str(i), "completion_tokens": str(o),
                            "spend": "", "end_user": "c%d" % (k % 3)})
            inp, out, cost = inp + i, out + o, cost + micro(usd(base, i, o))
        rows, _, err = self.imp("litellm", self.write("s.json", records))
        self.check(rows, 25, inp, out, cost)
        self.assertEqual({r["provider"] for r in rows}, {"bedrock", "google", "mistral", "cohere"})
        self.assertNotIn("not in the price catalog", err)

    def test_otlp_spans(self):
        ids = [("aws.bedrock", "global.anthropic.claude-opus-5-5", "anthropic.claude-opus-5-5"),
               ("gcp.gemini", "gemini-3.1-pro-preview", "gemini-3.1-pro-preview")]
        rng = random.Random(23)
        spans_, inp, out, cost = [], 0, 0, Decimal(0)
        for k in range(20):
            system, mid, base = ids[k % 2]
            i, o, read = rng.randint(100, 90000), rng.randint(0, 900), rng.randint(0, 90)
            spans_.append(span(k, [attr("gen_ai.system", system), attr("gen_ai.request.model", mid),
                                   attr("gen_ai.usage.input_tokens", i), attr("gen_ai.usage.output_tokens", o),
                                   attr("gen_ai.usage.cache_read.input_tokens", read)]))
            inp, out, cost = inp + i, out + o, cost + micro(usd(base, i - read, o, read))
        rows, _, _ = self.imp("otlp", self.write("t.json", {"resourceSpans": [{"scopeSpans": [{"spans": spans_}]}]}))
        self.check(rows, 20, inp, out, cost)

    def test_openmeter_without_a_provider(self):
        rng = random.Random(24)
        lines, calls, inp, out, cost = ["window_start,window_end,subject,model,type,value"], 0, 0, 0, Decimal(0)
        pairs = [("claude-haiku-4-5-20251001", "claude-haiku-4-5"), ("gpt-6-luna", "gpt-6-luna")] * 3
        for k, (mid, base) in enumerate(pairs):
            start, end = "2026-11-%02dT00:00:00Z" % (k + 1), "2026-11-%02dT00:00:00Z" % (k + 2)
            i, o = rng.randint(0, 99999), rng.randint(0, 9999)
            lines += ["%s,%s,c%d,%s,%s,%d" % (start, end, k, mid, kind, v) for kind, v in (("input", i), ("output", o))]
            calls, inp, out, cost = calls + 24, inp + i, out + o, cost + micro(usd(base, i, o))
        rows, _, _ = self.imp("openmeter", self.write("m.csv", "\n".join(lines) + "\n"))
        self.check(rows, calls, inp, out, cost)
        self.assertEqual({r["provider"] for r in rows}, {"anthropic", "openai"})


if __name__ == "__main__":
    unittest.main()
