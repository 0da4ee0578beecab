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

# Limits of a plausible call (specs/data-schema.md, "Limits"): a row outside them is skipped and counted, never
# allowed to cost memory or time in proportion to its values (a 1970 timestamp, a cost of 1e19).
EARLIEST_TS = 946684800  # 2000-01-01T00:00:00Z: calls before it are "timestamp out of range"
LATEST_TS = 4102444800  # 2100-01-01T00:00:00Z: calls at or after it are "timestamp out of range"
MAX_CALL_COST_USD = 100000  # more than this for one call is a "bad number"
MAX_TOKENS_PER_CALL = 100000000  # input or output tokens of one call
MAX_LATENCY_MS = 86400000  # one day
MAX_FIELD_BYTES = 1 << 20  # a field longer than 1 MiB is a "field too large"

