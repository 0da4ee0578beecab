"""What the local collector checks in every field, whatever the format a record came in (metering API or OTLP).

Each check returns the clean value or raises Invalid, whose message goes back to the client as
{"error": message}: it names the record (`where`) and the field. Money is read by `utils.money` and priced by
`pricing.catalog`, as everywhere else in the project. Used by local_collector.py; importing does nothing.
"""
import re
from typing import Any, Dict, Tuple

from pricing.catalog import Catalog, cost_micro as list_cost_micro
from pricing.resolve import PROVIDER_ALIASES
from utils.money import parse_usd_micro
from utils.schema import EARLIEST_TS, LATEST_TS, MAX_CALL_COST_USD, MAX_TOKENS_PER_CALL
from utils.timeutil import iso, parse_ts

MAX_TEXT = 255
# Provider names as senders spell them -> the provider ids of our catalog and CSV (the one map, pricing.resolve).
PROVIDERS = PROVIDER_ALIASES
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Invalid(Exception):
    """A request the collector refuses; the message goes back to the client as {"error": message}."""

    def __init__(self, message: str, status: int = 400) -> None:
        super(Invalid, self).__init__(message)
        self.status = status


def text(rec: Dict[str, Any], key: str, where: str, required: bool = False) -> str:
    """rec[key] as a short printable string ("" when absent and not required)."""
    v = rec.get(key)
    if v is None or v == "":
        if required:
            raise Invalid("%s: %s must not be empty" % (where, key))
        return ""
    if not isinstance(v, str):
        raise Invalid("%s: %s must be a string, got %s" % (where, key, type(v).__name__))
    check_printable(v, key, where)
    return v


def check_printable(value: str, key: str, where: str) -> None:
    """Refuse text the CSV must not carry: over MAX_TEXT characters, or with control characters."""
    if len(value) > MAX_TEXT or _CONTROL.search(value):
        raise Invalid("%s: %s must be at most %d printable characters" % (where, key, MAX_TEXT))


def count(value: Any, key: str, where: str) -> int:
    """A token count: a whole number >= 0 (a JSON integer; true/false are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid("%s: %s must be a whole number, got %r" % (where, key, value))
    if value < 0:
        raise Invalid("%s: %s must not be negative, got %d" % (where, key, value))
    if value > MAX_TOKENS_PER_CALL:
        raise Invalid("%s: %s is more tokens than one call can have (%d at most), got %d"
                      % (where, key, MAX_TOKENS_PER_CALL, value))
    return value


def usd_micro(value: Any, key: str, where: str) -> int:
    """An amount of USD sent as a JSON number or string, as exact micro-dollars >= 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise Invalid("%s: %s must be a number of USD" % (where, key))
    try:
        amount_micro = parse_usd_micro(str(value))
    except ValueError:
        raise Invalid("%s: %s must be a number of USD, got %r" % (where, key, value))
    if amount_micro < 0 or amount_micro > MAX_CALL_COST_USD * 1000000:
        raise Invalid("%s: %s must be a number of USD from 0 to %d (the cost of one call), got %r"
                      % (where, key, MAX_CALL_COST_USD, value))
    return amount_micro


def timestamp(value: Any, key: str, where: str) -> int:
    """An ISO 8601 timestamp string as epoch seconds."""
    if not isinstance(value, str):
        raise Invalid("%s: %s must be an ISO 8601 timestamp string" % (where, key))
    try:
        ts = parse_ts(value)
    except ValueError:
        raise Invalid("%s: %s is not an ISO 8601 timestamp: %r" % (where, key, value[:40]))
    if not EARLIEST_TS <= ts < LATEST_TS:
        raise Invalid("%s: %s %r is outside the plausible window %s to %s" % (
            where, key, value[:40], iso(EARLIEST_TS), iso(LATEST_TS)))
    return ts


def provider_id(name: str) -> str:
    """Our provider id for a sender's spelling: 'OpenAI' -> openai, 'AWS Bedrock' -> bedrock."""
    key = name.strip().lower()
    return PROVIDERS.get(key, key.replace(" ", "_"))


def list_price(catalog: Catalog, provider: str, model: str, input_tokens: int, output_tokens: int,
               where: str) -> Tuple[str, int]:
    """(model id for the CSV, cost_micro) at the catalog's list price; the id resolves as everywhere else
    (Catalog.resolve: dated, prefixed, Bedrock and fine-tuned ids map to their catalog entry)."""
    r = catalog.resolve(provider, model)
    entry = r.entry if r is not None else None
    if entry is None:
        raise Invalid("%s: model %r of provider %r is not in the price catalog: send totalCost, or start the "
                      "collector with --prices FILE listing it" % (where, model, provider))
    return entry.model, list_cost_micro(entry, input_tokens, output_tokens)
