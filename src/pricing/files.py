"""Price files: the built-in prices.json, a --prices file in the same JSON shape, a CSV, or LiteLLM's price map.

`read(path)` / `parse(text, where)` tell the three apart (LiteLLM's map by its shape: an object of model ids whose
values carry `litellm_provider` or `input_cost_per_token`) and return a `Parsed`: the raw entries, the file's
metadata and what it skipped. `Parsed.entries(base)` builds the PriceEntry list; a model the base catalog also has
keeps the base entry's simulator attributes (class, speed, dates, aliases) unless the file sets them. Any bad value
is a ConfigError naming the file and the entry: one line on stderr, exit 2.
"""
import csv
import json
import os
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, List, Optional

from pricing import litellm
from pricing.catalog import CLASSES, PriceEntry
from pricing.unpriced import PLACEHOLDERS
from utils.errors import ConfigError

_BAD_NAME = re.compile(r'[,"\r\n]')
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
REQUIRED = ("provider", "model", "input_per_1m", "output_per_1m")
SIM_FIELDS = ("context_window", "class", "ttft_ms", "tokens_per_s", "available_from", "retired", "aliases",
              "batch_discount_pct")


class Parsed(object):
    """The raw entries of one price file, its metadata, its kind and the entries it skipped (by reason)."""

    def __init__(self, raws: List[Dict[str, Any]], meta: Dict[str, Any], kind: str, where: str,
                 skipped: Optional[Dict[str, int]] = None) -> None:
        self.raws, self.meta, self.kind, self.where = raws, meta, kind, where
        self.skipped = skipped or {}

    def entries(self, base) -> List[PriceEntry]:
        """PriceEntry objects, inheriting simulator attributes from `base` (a Catalog, or None)."""
        out = []
        for i, raw in enumerate(self.raws):
            where = "%s entry %s" % (self.where, raw.get("_name") or i + 1)
            provider, model = _names(raw, where)
            inherit = base._ids.by_key.get((provider, model.lower())) if base is not None else None
            if inherit is not None and inherit.model != model:
                inherit = None  # an alias of a built-in model is a model of its own here
            out.append(_entry(raw, where, provider, model, inherit))
        return out


def read(path: str) -> Parsed:
    """The price file at `path` (JSON, LiteLLM JSON or CSV)."""
    if not os.path.isfile(path):
        raise ConfigError("price file %s does not exist" % path)
    try:
        with open(path, encoding="utf-8-sig") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError("cannot read price file %s: %s" % (path, e))
    return parse(text, path)


def parse(text: str, where: str) -> Parsed:
    """A price file's text; `where` names it in messages."""
    if where.lower().endswith(".json") or text.lstrip().startswith(("{", "[")):
        try:
            doc = json.loads(text)
        except ValueError as e:
            raise ConfigError("price file %s is not valid JSON: %s" % (where, e))
        if litellm.looks_like(doc):
            raws, skipped = litellm.entries(doc, where)
            if not raws:
                raise ConfigError("price file %s: the LiteLLM price map has no entry with token prices" % where)
            return Parsed(raws, {}, "LiteLLM price map, %d models" % len(raws), where, skipped)
        raws = doc.get("models") if isinstance(doc, dict) else doc
        if not isinstance(raws, list) or not all(isinstance(r, dict) for r in raws):
            raise ConfigError("price file %s: expected {\"models\": [{\"provider\", \"model\", \"input_per_1m\", "
                              "\"output_per_1m\"}, ...]} or LiteLLM's model_prices_and_context_window.json" % where)
        meta, kind = (doc if isinstance(doc, dict) else {}), "JSON catalog"
    else:
        rd = csv.DictReader(text.splitlines())
        if not rd.fieldnames or not set(REQUIRED) <= {h.strip() for h in rd.fieldnames}:
            raise ConfigError("price file %s: CSV needs columns provider,model,input_per_1m,output_per_1m" % where)
        raws = [{(k or "").strip(): v for k, v in r.items()} for r in rd]
        meta, kind = {}, "CSV"
    if not raws:
        raise ConfigError("price file %s lists no models" % where)
    return Parsed(raws, meta, "%s, %d model%s" % (kind, len(raws), "" if len(raws) == 1 else "s"), where)


def provider_batch(meta: Dict[str, Any], where: str) -> Dict[str, Optional[int]]:
    """{provider: batch discount percent, or None for no batch API} from a catalog's metadata."""
    raw = meta.get("batch_discount_pct_by_provider") or {}
    if not isinstance(raw, dict):
        raise ConfigError("price file %s: batch_discount_pct_by_provider must be an object" % where)
    return {str(p): (None if v is None else _pct(v, "%s: batch_discount_pct_by_provider.%s" % (where, p)))
            for p, v in raw.items()}


def micro(value: object, what: str) -> int:
    """A price in USD per 1M tokens as exact integer micro-dollars per 1M tokens."""
    if isinstance(value, bool):
        raise ConfigError("%s: %r is not a number" % (what, value))
    if str(value).strip() in PLACEHOLDERS:
        raise ConfigError("%s is still the placeholder %s: replace it with the model's list price in USD per 1M "
                          "tokens" % (what, str(value).strip()))
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ConfigError("%s: %r is not a number" % (what, value))
    if not d.is_finite() or d < 0:
        raise ConfigError("%s: price must be a number >= 0, got %r" % (what, value))
    if d > 1000000:
        raise ConfigError("%s: %s USD per 1M tokens is not a plausible price" % (what, value))
    return int((d * 1000000).to_integral_value())


def _names(raw: Dict[str, Any], where: str):
    provider = str(raw.get("provider") or "").strip()
    model = str(raw.get("model") or "").strip()
    if not provider or not model:
        raise ConfigError("%s: every price entry needs a provider and a model" % where)
    if _BAD_NAME.search(provider) or _BAD_NAME.search(model):
        raise ConfigError("%s: provider/model %r may not contain commas, quotes or line breaks" % (
            where, provider + "/" + model))
    return provider, model


def _entry(raw: Dict[str, Any], where: str, provider: str, model: str, base: Optional[PriceEntry]) -> PriceEntry:
    what = "%s: %s/%s" % (where, provider, model)
    for k in ("input_per_1m", "output_per_1m"):
        if raw.get(k) in (None, ""):
            raise ConfigError("%s lacks %s" % (what, k))

    def given(k: str) -> bool:
        return raw.get(k) not in (None, "")

    def opt(k: str, attr: str, default: Any) -> Any:
        return raw[k] if given(k) else (getattr(base, attr) if base is not None else default)

    cls = str(opt("class", "model_class", "standard")).strip()
    if cls not in CLASSES:
        raise ConfigError("%s class %r is not one of %s" % (what, cls, ", ".join(CLASSES)))
    dates = [_date(opt(k, k, None), "%s %s" % (what, k)) for k in ("available_from", "retired")]
    return PriceEntry(
        provider=provider, model=model,
        input_micro_per_1m=micro(raw["input_per_1m"], what + " input_per_1m"),
        output_micro_per_1m=micro(raw["output_per_1m"], what + " output_per_1m"),
        cached_input_micro_per_1m=micro(raw["cached_input_per_1m"], what + " cached_input_per_1m")
        if given("cached_input_per_1m") else None,
        cache_write_micro_per_1m=micro(raw["cache_write_per_1m"], what + " cache_write_per_1m")
        if given("cache_write_per_1m") else None,
        context_window=_count(opt("context_window", "context_window", 128000), what + " context_window"),
        model_class=cls,
        ttft_ms=_count(opt("ttft_ms", "ttft_ms", 500), what + " ttft_ms"),
        tokens_per_s=_count(opt("tokens_per_s", "tokens_per_s", 60), what + " tokens_per_s"),
        batch_discount_pct=_opt_pct(opt("batch_discount_pct", "batch_discount_pct", None), what),
        available_from=dates[0], retired=dates[1],
        aliases=_aliases(opt("aliases", "aliases", ()), what),
        simulated=base.simulated if base is not None else bool(raw.get("_simulated", True)),
    )


def _count(v: Any, what: str) -> int:
    try:
        n = int(float(str(v)))
    except ValueError:
        raise ConfigError("%s %r is not a number" % (what, v))
    if n <= 0:
        raise ConfigError("%s must be positive" % what)
    return n


def _pct(v: Any, what: str) -> int:
    try:
        n = int(str(v).strip())
    except ValueError:
        raise ConfigError("%s: %r is not a whole percent" % (what, v))
    if not 0 <= n <= 100:
        raise ConfigError("%s: %r is not a percent from 0 to 100" % (what, v))
    return n


def _opt_pct(v: Any, what: str) -> Optional[int]:
    return None if v in (None, "") else _pct(v, what + " batch_discount_pct")


def _date(v: Any, what: str) -> Optional[str]:
    if v in (None, ""):
        return None
    s = str(v).strip()
    if not _DATE.match(s):
        raise ConfigError("%s %r is not a date like 2026-01-31" % (what, v))
    return s


def _aliases(v: Any, what: str) -> tuple:
    items = v.split("|") if isinstance(v, str) else v
    if not isinstance(items, (list, tuple)):
        raise ConfigError("%s aliases must be a list of model ids" % what)
    out = tuple(str(a).strip() for a in items if str(a).strip())
    if any(_BAD_NAME.search(a) for a in out):
        raise ConfigError("%s: aliases may not contain commas, quotes or line breaks" % what)
    return out
