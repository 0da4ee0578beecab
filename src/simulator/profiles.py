"""The behavioural model of the simulator: customers, their mix of features, tasks and models, tokens, latency, time.

Every number here is a documented assumption (specs/simulators.md); scenarios change them through the hooks of
`simulator.scenarios.base.Scenario`.
"""
import math
import random
from typing import Dict, Hashable, List, Sequence, Tuple

from simulator.domain import Archetype, Customer
from utils.schema import TIER_ORDER

ARCHETYPES = (
    Archetype("light", 0.70, 5, 20),
    Archetype("power", 0.20, 50, 150),
    Archetype("heavy", 0.10, 200, 500),
)
# Tier correlates with usage, not perfectly: light enterprise customers and heavy starters exist (they are where
# the profitability story comes from). Shares of (starter, pro, enterprise) per archetype.
TIER_MIX = {"light": (0.60, 0.30, 0.10), "power": (0.25, 0.45, 0.30), "heavy": (0.20, 0.30, 0.50)}

# feature id -> (share of customers who use it, relative call volume, {task type: share of its calls})
FEATURES = {
    "chat": (0.90, 3.0, {"chat": 0.8, "qa": 0.2}),
    "search": (0.55, 2.0, {"qa": 0.7, "analysis": 0.3}),
    "summarize": (0.50, 1.5, {"summarization": 1.0}),
    "insights": (0.35, 1.0, {"analysis": 0.8, "summarization": 0.2}),
    "code": (0.40, 2.0, {"code_generation": 0.9, "chat": 0.1}),
    "translate": (0.08, 1.0, {"translation": 1.0}),
}
PRODUCTS = (("prod_assistant", 0.35), ("prod_support", 0.25), ("prod_docs", 0.20), ("prod_devtools", 0.12),
            ("prod_analytics", 0.08))
ORG_NAMES = ("alpine", "harbor", "summit", "meridian", "cobalt", "juniper", "lattice", "northstar", "quartz", "redwood",
             "sierra", "tidewater", "vertex", "willow", "aurora", "beacon", "cascade", "delta", "ember", "fjord",
             "granite", "horizon", "ironwood", "keystone", "lumen", "mosaic", "nimbus", "orchid", "pinnacle", "quill")

# Token sizes per task type: (input median, input sigma, output median, output sigma), log-normal.
TASK_TOKENS = {
    "chat": (350, 0.8, 220, 0.7),
    "qa": (600, 0.9, 150, 0.6),
    "summarization": (3500, 0.9, 300, 0.5),
    "code_generation": (1200, 0.8, 900, 0.8),
    "translation": (700, 0.7, 750, 0.7),
    "analysis": (2500, 1.0, 600, 0.7),
}
MAX_INPUT, MAX_OUTPUT = 120000, 8000

# Model choice: provider market share x affinity of the tier and of the task for the model's class.
PROVIDER_WEIGHT = {"openai": 0.40, "anthropic": 0.25, "google": 0.15, "bedrock": 0.07, "azure": 0.06,
                   "mistral": 0.04, "cohere": 0.03}
TIER_CLASS = {"starter": {"premium": 0.25, "standard": 1.0, "economy": 2.0},
              "pro": {"premium": 0.8, "standard": 1.2, "economy": 1.0},
              "enterprise": {"premium": 2.0, "standard": 1.2, "economy": 0.5}}
TASK_CLASS = {"chat": {"premium": 0.6, "standard": 1.0, "economy": 2.0},
              "qa": {"premium": 0.6, "standard": 1.0, "economy": 2.0},
              "translation": {"premium": 0.5, "standard": 1.0, "economy": 2.0},
              "summarization": {"premium": 0.8, "standard": 1.2, "economy": 1.0},
              "code_generation": {"premium": 1.5, "standard": 1.5, "economy": 0.5},
              "analysis": {"premium": 1.5, "standard": 1.2, "economy": 0.6}}

# Tagging gaps: the share of an organization's calls that reach the metering without their business tags (a
# script on a raw API key, an endpoint added after the instrumentation). Most teams are disciplined, some are not:
# the share comes from this table by a hash of the organization's name (stable, independent of the random stream).
# Half of the untagged calls lack every tag (organization, product, feature), half only the feature.
UNTAGGED_SHARES = (0.03, 0.04, 0.05, 0.06, 0.04, 0.08, 0.03, 0.25, 0.05, 0.35, 0.04, 0.06)
TAG_MODES = ("tagged", "untagged", "no_feature")


def untagged_share(organization_id: str) -> float:
    """The share of this organization's calls that carry no (or only partial) business tags."""
    h = 0
    for ch in organization_id:
        h = (h * 131 + ord(ch)) % 1000003
    return UNTAGGED_SHARES[h % len(UNTAGGED_SHARES)]


# Calls per trace (an agent workflow or a conversation): picked uniformly from these 8 entries, mean 1.875.
TRACE_LENGTHS = (1, 1, 1, 1, 2, 2, 3, 4)
# 64 entries: production 59/64 (92%), staging 4/64, development 1/64.
ENVIRONMENT_TABLE = ("production",) * 59 + ("staging",) * 4 + ("development",)
# Monday..Sunday; the mean over a week is 1.0, so an archetype's range is its average calls per day.
DAY_OF_WEEK_FACTOR = (1.16, 1.18, 1.18, 1.16, 1.12, 0.45, 0.45)
# Hour of day (UTC) of a customer with no offset: business hours 8-20 carry most traffic.
BASE_HOURS = (0.12, 0.10, 0.10, 0.10, 0.12, 0.18, 0.30, 0.55, 0.95, 1.15, 1.25, 1.25,
              1.10, 1.20, 1.25, 1.25, 1.15, 1.00, 0.80, 0.60, 0.40, 0.30, 0.22, 0.16)

USER_AGENTS = {
    "openai": ("openai-python/1.54.4", "OpenAI/NodeJS 4.73.0", "revenium-middleware-openai/0.4.2 openai-python/1.54.4"),
    "anthropic": ("anthropic-sdk-python/0.39.0", "anthropic-typescript/0.32.1",
                  "revenium-middleware-anthropic/0.3.1 anthropic-sdk-python/0.39.0"),
    "bedrock": ("Boto3/1.35.63 md/Botocore#1.35.63 ua/2.0 os/linux lang/python#3.11.9 Botocore/1.35.63",
                "aws-sdk-js/3.693.0 ua/2.1 os/linux lang/js md/nodejs#20.18.0 api/bedrock-runtime#3.693.0"),
    "google": ("google-genai-sdk/0.3.0 gl-python/3.11.9", "google-cloud-aiplatform/1.73.0"),
    "azure": ("AzureOpenAI/Python 1.54.4", "azsdk-python-ai-inference/1.0.0b6 Python/3.11.9"),
    "mistral": ("mistral-client-python/1.2.3",),
    "cohere": ("cohere-python/5.11.4",),
}


def _pick(rng: random.Random, weighted: Sequence[Tuple[object, float]]) -> object:
    x = rng.random() * sum(w for _, w in weighted)
    for item, w in weighted:
        x -= w
        if x < 0:
            return item
    return weighted[-1][0]


def make_customers(n: int, rng: random.Random) -> List[Customer]:
    """n customers with exact archetype shares (rounded), tiers correlated with usage, orgs, products, features."""
    heavy = int(round(n * ARCHETYPES[2].share))
    power = int(round(n * ARCHETYPES[1].share))
    kinds = ["heavy"] * heavy + ["power"] * power + ["light"] * (n - heavy - power)
    rng.shuffle(kinds)
    arche = {a.name: a for a in ARCHETYPES}
    n_orgs = max(1, (n + 3) // 4)
    orgs = ["org_" + ORG_NAMES[i % len(ORG_NAMES)] + ("" if i < len(ORG_NAMES) else str(i // len(ORG_NAMES) + 1))
            for i in range(n_orgs)]
    org_weights = [(o, 1.0 / (k + 1) ** 0.8) for k, o in enumerate(orgs)]
    customers = []
    for i, kind in enumerate(kinds):
        a = arche[kind]
        tier = _pick(rng, list(zip(TIER_ORDER, TIER_MIX[kind])))
        product = _pick(rng, PRODUCTS)
        features = []
        for fid, (adoption, _, _) in FEATURES.items():
            p = min(0.95, adoption * (2.0 if fid == "code" and product == "prod_devtools" else 1.0))
            if rng.random() < p:
                features.append(fid)
        if not features:
            features = ["chat"]
        customers.append(Customer(
            index=i, customer_id="cust_%04d" % (i + 1), archetype=kind, tier=str(tier),
            organization_id=str(_pick(rng, org_weights)), product_id=str(product), features=features,
            calls_per_day=rng.uniform(a.min_calls_per_day, a.max_calls_per_day),
            region=str(_pick(rng, (("americas", 0.5), ("europe", 0.35), ("apac", 0.15)))),
            premium_bias=rng.lognormvariate(0.0, 0.6),
            primary_provider=str(_pick(rng, list(PROVIDER_WEIGHT.items()))), salt=rng.getrandbits(16),
        ))
    return customers


def user_agent(customer: Customer, provider: str) -> str:
    """The SDK string this customer's calls to `provider` carry (stable per customer)."""
    options = USER_AGENTS.get(provider, ("python-requests/2.32.3",))
    return options[(customer.salt + len(provider)) % len(options)]


# A newer model of the same provider and class halves an older one's share of the mix (from the day it is on
# sale): teams move to the current models, and a tail of calls stays on the older ones until they are retired.
RECENCY_DECAY = 0.5


def model_menu(catalog, day: str, keep: Sequence[str] = ()) -> List[Tuple[int, float]]:
    """(catalog index, recency weight) of every model the simulator may use on `day` (YYYY-MM-DD): on sale that
    day, weighted by RECENCY_DECAY per newer model of its provider and class on sale. Models in `keep` (a
    scenario's legacy workhorse) and models without a release date keep their whole weight."""
    idx = catalog.on_sale(day)
    entries = catalog.entries
    out = []
    for i in idx:
        e = entries[i]
        newer = 0
        if e.available_from is not None and e.model not in keep:
            newer = sum(1 for j in idx if entries[j].provider == e.provider and entries[j].model_class == e.model_class
                        and (entries[j].available_from or "") > e.available_from)
        out.append((i, RECENCY_DECAY ** newer))
    return out


def mix_weights(customer: Customer, catalog, scenario, day_index: int, n_days: int,
                menu: Sequence[Tuple[int, float]]) -> List[Tuple[Hashable, float]]:
    """Joint weights of (feature, task, catalog index, tag mode) for this customer on this day, over the models
    of `menu` (model_menu; tag modes: see UNTAGGED_SHARES)."""
    primary = customer.primary_provider
    gap = untagged_share(customer.organization_id)
    modes = (("tagged", 1.0 - gap), ("untagged", gap / 2.0), ("no_feature", gap / 2.0))
    out = []
    for fid in customer.features:
        _, volume, tasks = FEATURES.get(fid, (1.0, 1.0, {"chat": 1.0}))
        fw = volume * scenario.feature_weight(customer, fid, day_index, n_days)
        if fw <= 0:
            continue
        for task, tshare in tasks.items():
            models = []
            for ei, recency in menu:
                e = catalog.entries[ei]
                w = PROVIDER_WEIGHT.get(e.provider, 0.02) * (3.0 if e.provider == primary else 1.0) * recency
                w *= TIER_CLASS[customer.tier][e.model_class] * TASK_CLASS[task][e.model_class]
                if e.model_class == "premium":
                    w *= customer.premium_bias
                w *= scenario.model_weight(customer, e, task, day_index, n_days)
                if w > 0:
                    models.append((ei, w))
            total = sum(w for _, w in models) or 1.0
            for ei, w in models:
                for mode, share in modes:
                    out.append(((fid, task, ei, mode), fw * tshare * w / total * share))
    return out


def apportion(weights: Sequence[Tuple[Hashable, float]], total: int) -> List[Tuple[Hashable, int]]:
    """Split `total` slots over the weighted items by largest remainder (deterministic); drop empty items."""
    s = sum(w for _, w in weights)
    if s <= 0:
        return []
    raw = [(item, w * total / s) for item, w in weights]
    counts = [(item, int(math.floor(x)), x - math.floor(x), i) for i, (item, x) in enumerate(raw)]
    left = total - sum(c for _, c, _, _ in counts)
    order = sorted(range(len(counts)), key=lambda i: (-counts[i][2], counts[i][3]))
    extra = set(order[:left])
    return [(item, c + (1 if i in extra else 0)) for i, (item, c, _, _) in enumerate(counts) if c + (1 if i in extra else 0) > 0]


def hour_profile(customer: Customer) -> Tuple[float, ...]:
    """24 hourly weights in UTC: business hours, shifted by up to two hours per customer."""
    shift = customer.index % 5 - 2
    return tuple(BASE_HOURS[(h - shift) % 24] for h in range(24))


def token_pools(rng: random.Random, size: int) -> Dict[str, List[Tuple[int, int]]]:
    """Pre-drawn (input, output) token pairs per task type, log-normal and clipped; sampled uniformly per call."""
    pools = {}
    for task, (im, isg, om, osg) in TASK_TOKENS.items():
        pool = []
        for _ in range(size):
            i = int(im * math.exp(rng.gauss(0.0, isg)))
            o = int(om * math.exp(rng.gauss(0.0, osg)))
            pool.append((min(MAX_INPUT, max(20, i)), min(MAX_OUTPUT, max(5, o))))
        pools[task] = pool
    return pools


def latency_jitter(rng: random.Random, size: int) -> List[float]:
    """Multipliers of a model's time to first token: log-normal, with a 2% slow tail (x2 to x6)."""
    out = []
    for _ in range(size):
        j = math.exp(rng.gauss(0.0, 0.35))
        if rng.random() < 0.02:
            j *= rng.uniform(2.0, 6.0)
        out.append(j)
    return out
