"""The demo application both instrumentation examples meter: a small SaaS helpdesk making (simulated) AI calls.

There is no real provider here: `SimulatedAI.chat()` returns what a provider SDK would (a response id, the
model as billed, token usage, a finish reason, timings), with token counts drawn from a seeded RNG and the cost
from the project's price catalog (src/pricing/prices.json). Latency is simulated, not slept, so a demo of
hundreds of calls takes a second. Importing this module does nothing.
"""
import os
import sys
_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
sys.path[:0] = [p for p in (os.path.join(_REPO, "src"), os.path.join(_REPO, "showcase")) if p not in sys.path]

import random  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Iterator, List, Tuple  # noqa: E402

from metadata.metadata_builder import MeteringMetadata  # noqa: E402
from pricing.catalog import cost_micro, load_catalog  # noqa: E402

# (subscriber id, organization, product, subscription tier): the demo's customers.
CUSTOMERS = (
    ("cust-acme-ana", "acme", "helpdesk", "enterprise"),
    ("cust-acme-bo", "acme", "helpdesk", "enterprise"),
    ("cust-globex-cy", "globex", "helpdesk", "pro"),
    ("cust-globex-di", "globex", "analytics", "pro"),
    ("cust-initech-ed", "initech", "helpdesk", "starter"),
    ("cust-umbrella-fay", "umbrella", "analytics", "starter"),
)
# feature -> (task type, provider as the SDK names it, model, typical input tokens, typical output tokens)
FEATURES = {
    "ticket-summary": ("summarization", "OpenAI", "gpt-4o-mini", 2400, 180),
    "reply-draft": ("chat", "Anthropic", "claude-sonnet-4", 900, 350),
    "kb-search": ("qa", "OpenAI", "gpt-4o", 1500, 220),
    "report-insights": ("analysis", "Google", "gemini-2.5-pro", 6000, 700),
}
PRODUCT_FEATURES = {"helpdesk": ("ticket-summary", "reply-draft", "kb-search"),
                    "analytics": ("report-insights", "kb-search")}
CATALOG_PROVIDER = {"OpenAI": "openai", "Anthropic": "anthropic", "Google": "google"}


@dataclass
class Completion:
    """What a provider SDK hands back for one call (the fields metering needs)."""
    id: str
    provider: str  # as the SDK names it: OpenAI, Anthropic, Google
    model: str
    input_tokens: int
    output_tokens: int
    finish_reason: str  # provider's word: stop, length
    started: float  # epoch seconds
    first_token: float
    ended: float
    streamed: bool
    cost_usd: float  # list price from the catalog (what the provider will bill)

    @property
    def duration_ms(self) -> int:
        return int(round((self.ended - self.started) * 1000))


class SimulatedAI(object):
    """A stand-in for a provider client: `chat(provider, model, ...)` returns a Completion, instantly."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.catalog = load_catalog()

    def chat(self, provider: str, model: str, input_tokens: int, max_output_tokens: int = 1024) -> Completion:
        rng = self.rng
        inp = max(1, int(rng.gauss(input_tokens, input_tokens * 0.25)))
        out = max(1, int(rng.gauss(max_output_tokens * 0.5, max_output_tokens * 0.15)))
        finish = "stop"
        if out >= max_output_tokens:
            out, finish = max_output_tokens, "length"
        r = self.catalog.resolve(CATALOG_PROVIDER.get(provider, provider.lower()), model)
        entry = r.entry if r is not None else None
        ttft = (entry.ttft_ms if entry else 500) * rng.uniform(0.7, 1.6) / 1000.0
        gen = out / float(entry.tokens_per_s if entry else 60) * rng.uniform(0.8, 1.3)
        now = time.time()
        cost = cost_micro(entry, inp, out) / 1e6 if entry else 0.0
        return Completion(id="resp_" + uuid.uuid4().hex[:24], provider=provider, model=model, input_tokens=inp,
                          output_tokens=out, finish_reason=finish, started=now, first_token=now + ttft,
                          ended=now + ttft + gen, streamed=rng.random() < 0.3, cost_usd=cost)


def customer_metadata(subscriber: str, org: str, product: str, tier: str) -> MeteringMetadata:
    """The business context of one customer, validated once (see showcase/metadata/metadata_builder.py)."""
    return (MeteringMetadata.builder().organization(org).product(product)
            .subscriber(subscriber, email="%s@%s.example" % (subscriber.split("-")[-1], org))
            .subscription("sub-" + subscriber, tier=tier).environment("production").build())


def workload(calls: int, seed: int = 7) -> Iterator[Tuple[MeteringMetadata, str]]:
    """`calls` requests to the app: (the customer's context, the feature used), heavier users more often."""
    rng = random.Random(seed * 7919 + 1)
    weights = [8, 5, 4, 3, 2, 1]  # the first customers use the app most: some will cost more than they pay
    metas = [customer_metadata(*c) for c in CUSTOMERS]
    for _ in range(calls):
        i = rng.choices(range(len(CUSTOMERS)), weights)[0]
        feature = rng.choice(PRODUCT_FEATURES[CUSTOMERS[i][2]])
        yield metas[i], feature


def feature_call(ai: SimulatedAI, feature: str) -> Completion:
    """Make the AI call a feature makes (the app's own code: no metering in here)."""
    _, provider, model, inp, out = FEATURES[feature]
    return ai.chat(provider, model, inp, max_output_tokens=out * 2)


def iso_ms(epoch: float) -> str:
    """ISO 8601 UTC with milliseconds, as the metering API expects."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + ".%03dZ" % int((epoch % 1) * 1000)


def summary(completions: List[Completion], elapsed: float) -> str:
    customers = len({c[0] for c in CUSTOMERS})
    cost = sum(c.cost_usd for c in completions)
    return "App made %d simulated AI calls across %d demo customers in %.2f s (list-price cost $%.4f)" % (
        len(completions), customers, elapsed, cost)

