"""Domain dataclasses of the simulator: archetypes, customers and the calls it writes."""
from dataclasses import dataclass
from typing import List


@dataclass(frozen=True)
class Archetype:
    """A kind of customer by usage: its share of customers and its range of average calls per day."""
    name: str
    share: float
    min_calls_per_day: int
    max_calls_per_day: int


@dataclass
class Customer:
    """A simulated customer: who it is, what it pays for, how much it uses, and what it uses."""
    index: int
    customer_id: str
    archetype: str
    tier: str
    organization_id: str
    product_id: str
    features: List[str]
    calls_per_day: float
    region: str = "americas"
    premium_bias: float = 1.0      # > 1: leans to premium models more than its tier suggests
    primary_provider: str = "openai"  # the provider this customer integrated first (3x its market weight)
    salt: int = 0                   # stable per-customer choice of SDK strings


@dataclass
class SimulatedCall:
    """One simulated AI API call: the 19 fields of the CSV (see utils/schema.py)."""
    timestamp: str
    call_id: str
    provider: str
    model: str
    input_tokens: int
    output_tokens: int
    cost_usd: str
    latency_ms: int
    customer_id: str
    subscription_tier: str
    organization_id: str
    product_id: str
    feature_id: str
    task_type: str
    environment: str
    request_id: str
    trace_id: str
    session_id: str
    user_agent: str
