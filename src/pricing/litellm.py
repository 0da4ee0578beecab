"""LiteLLM's price map (model_prices_and_context_window.json) read as it is, as a --prices file.

The map is one JSON object: model id -> {"litellm_provider", "mode", "input_cost_per_token",
"output_cost_per_token", "cache_read_input_token_cost", "cache_creation_input_token_cost", "max_input_tokens",
"max_tokens", "deprecation_date", ...}, with USD per token. What becomes a catalog entry (specs/data-schema.md):

- an entry of mode chat, completion or responses (or no mode) with both `input_cost_per_token` and
  `output_cost_per_token`; an embedding entry with `input_cost_per_token` (embeddings produce no output tokens, so
  its output price is 0);
- every other entry is skipped and counted by reason: image, audio, video, moderation, rerank, search, OCR and
  realtime modes (priced per image, second or request, not per token), a token mode without the token prices,
  and `sample_spec` (the map's own documentation, not counted);
- prices become USD per 1M tokens exactly (2.5e-06 -> 2.50); cache reads and writes become the cached-input and
  cache-write prices; `max_input_tokens` (else `max_tokens`) the context window; `deprecation_date` the retirement;
- the provider is ours for `litellm_provider` (vertex_ai*, gemini -> google; bedrock_converse -> bedrock; ...);
  a key's leading segments that repeat the provider or name a region are dropped (`gemini/gemini-2.5-pro` ->
  `gemini-2.5-pro`; `bedrock/us-west-2/qwen.qwen3-coder-next` -> `qwen.qwen3-coder-next`); when two keys then
  name the same model, the one with fewer segments wins (the global price over a regional one).

A price that is not a number >= 0 is an error naming the entry.
"""
import re
from collections import Counter
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, List, Tuple

from pricing.resolve import provider_id
from utils.errors import ConfigError

TOKEN_MODES = ("chat", "completion", "responses")
_REGION = re.compile(r"^(?:[a-z]{2}(?:-[a-z]+)+-\d|us|eu|apac|global|jp|au|ca)$")
_BAD_NAME = re.compile(r'[,"\r\n]')
_PRICES = (("input_cost_per_token", "input_per_1m"), ("output_cost_per_token", "output_per_1m"),
           ("cache_read_input_token_cost", "cached_input_per_1m"),
           ("cache_creation_input_token_cost", "cache_write_per_1m"))


def looks_like(doc: Any) -> bool:
    """Whether a parsed JSON document has the shape of LiteLLM's map (not our {"models": [...]})."""
    if not isinstance(doc, dict) or "models" in doc:
        return False
    if "sample_spec" in doc:
        return True
    return any(isinstance(v, dict) and ("litellm_provider" in v or "input_cost_per_token" in v) for v in doc.values())


def _provider(raw: Any) -> str:
    p = provider_id(raw)
    return "google" if p.startswith("vertex_ai") else p


def _model_id(key: str, provider: str) -> str:
    parts = key.strip().split("/")
    while len(parts) > 1 and (_provider(parts[0]) == provider or _REGION.match(parts[0].lower())):
        parts = parts[1:]
    return "/".join(parts)


def _per_1m(value: Any, what: str) -> str:
    """USD per token -> USD per 1M tokens as an exact decimal string."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ConfigError("%s is %r; expected a number >= 0 (USD per token)" % (what, value))
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise ConfigError("%s is %r; expected a number >= 0 (USD per token)" % (what, value))
    if not d.is_finite() or d < 0:
        raise ConfigError("%s is %r; expected a number >= 0 (USD per token)" % (what, value))
    return str((d * 1000000).normalize())


def _window(v: Dict[str, Any]) -> Any:
    for k in ("max_input_tokens", "max_tokens"):
        n = v.get(k)
        if isinstance(n, int) and not isinstance(n, bool) and n > 0:
            return n
    return None


def _skip_reason(v: Dict[str, Any]) -> str:
    """Why an entry has no token prices we can use ('' when it has them)."""
    mode = str(v.get("mode") or "chat")
    if mode != "embedding" and mode not in TOKEN_MODES:
        return mode
    if v.get("input_cost_per_token") is None:
        return "%s without input_cost_per_token" % mode
    if mode != "embedding" and v.get("output_cost_per_token") is None:
        return "%s without output_cost_per_token" % mode
    return ""


def _raw(key: str, v: Dict[str, Any], where: str) -> Dict[str, Any]:
    provider = _provider(v.get("litellm_provider"))
    raw = {"provider": provider, "model": _model_id(key, provider), "_name": key, "_simulated": False,
           "context_window": _window(v)}  # type: Dict[str, Any]
    for src, dst in _PRICES:
        if v.get(src) is not None:
            raw[dst] = _per_1m(v[src], "price file %s: entry %r %s" % (where, key, src))
    raw.setdefault("output_per_1m", "0")  # an embedding: no output tokens
    date = v.get("deprecation_date")
    if isinstance(date, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", date.strip()):
        raw["retired"] = date.strip()
    return raw


def entries(doc: Dict[str, Any], where: str) -> Tuple[List[Dict[str, Any]], Dict[str, int]]:
    """(raw catalog entries, {skip reason: count}) of a LiteLLM map."""
    skipped = Counter()  # type: Counter
    found = []  # (segments, key, raw)
    for key, v in doc.items():
        if key == "sample_spec":
            continue
        if not isinstance(v, dict):
            raise ConfigError("price file %s: entry %r is %s, not an object of prices" % (
                where, key, type(v).__name__))
        reason = _skip_reason(v)
        if not reason and not v.get("litellm_provider"):
            reason = "no litellm_provider"
        if not reason and _BAD_NAME.search(key):
            reason = "id with a comma, quote or line break"
        if reason:
            skipped[reason] += 1
            continue
        raw = _raw(key, v, where)
        found.append((key.count("/"), key, raw))
    out, seen = [], set()
    for _, key, raw in sorted(found, key=lambda t: (t[0], t[1])):
        k = (raw["provider"], raw["model"].lower())
        if k in seen:
            skipped["regional or duplicate id"] += 1
            continue
        seen.add(k)
        out.append(raw)
    return out, dict(skipped)
