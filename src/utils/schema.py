"""The CSV schema: one row per AI API call. The simulator writes these fields and the reader validates them.

This is the single place the column list lives (see specs/data-schema.md).
"""
from typing import Dict, List, Tuple

FIELDS = [
    "timestamp", "call_id", "provider", "model", "input_tokens", "output_tokens", "cost_usd", "latency_ms",
    "customer_id", "subscription_tier", "organization_id", "product_id", "feature_id", "task_type",
    "environment", "request_id", "trace_id", "session_id", "user_agent",
]  # type: List[str]

# A file without one of these cannot be analysed at all; every other column is optional.
REQUIRED = ("timestamp", "provider", "model", "input_tokens", "output_tokens", "cost_usd", "customer_id")  # type: Tuple[str, ...]

# Monthly subscription price per tier, in USD (money conventions: specs/analyzers.md).
TIER_PRICES_USD = {"starter": 29, "pro": 99, "enterprise": 299}  # type: Dict[str, int]
TIER_ORDER = ("starter", "pro", "enterprise")  # type: Tuple[str, ...]

TASK_TYPES = ("chat", "summarization", "code_generation", "translation", "analysis", "qa")  # type: Tuple[str, ...]

# Empty organization / product / feature values are reported under this label.
UNTAGGED = "(untagged)"

# Days in the "month" used for all per-month figures: per month = period total x 30 / D.
DAYS_PER_MONTH = 30
