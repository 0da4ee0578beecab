"""The price catalog: list prices per model (USD per 1M tokens), with its source and date.

The built-in catalog is `prices.json` in this package, read with `pkgutil.get_data` so that it loads as well when
the code is shipped as a zip (e.g. to the workers of a cluster). `load_catalog(path)` reads a replacement or
extension (JSON in the same shape, or CSV with columns provider,model,input_per_1m,output_per_1m[,...]): entries
in the file override built-in ones with the same provider and model, and new ones are added. The simulator,
the analyzers, the importers and the showcase's collector all price through this one catalog.

Cost of a call, exactly: micro-dollars = round_half_up((input_tokens x input_price + output_tokens x output_price)
/ 1e6) with prices held as integer micro-dollars per 1M tokens, so every cost in the CSV is reproducible.
"""
import csv
import json
import os
import pkgutil
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Dict, List, Optional, Tuple

from utils.errors import ConfigError

BUILTIN_NAME = "prices.json"  # a resource of this package
CLASSES = ("premium", "standard", "economy")
_BAD_NAME = re.compile(r'[,"\r\n]')
# What may follow a catalog model id in a provider's dated or versioned id: claude-sonnet-4-20250514,
# gpt-4o-2024-08-06, anthropic.claude-v2:1, gemini-1.5-pro-002, mistral-large-2411, model@2024-05-13.
_SUFFIX = re.compile(r"^(-\d{4}(-?\d{2}-?\d{2})?|-\d{3}|-v\d[\w.]*|:\d+|@[\w.-]+|-latest|-preview[\w.-]*)+$")


@dataclass(frozen=True)
class PriceEntry:
    """One model's list prices, held exactly as integer micro-dollars per 1M tokens."""
    provider: str
    model: str
    input_micro_per_1m: int
    output_micro_per_1m: int
    cached_input_micro_per_1m: Optional[int] = None
    cache_write_micro_per_1m: Optional[int] = None
    context_window: int = 128000
    model_class: str = "standard"  # premium / standard / economy: drives the simulator's model mix
    ttft_ms: int = 500             # typical time to first token
    tokens_per_s: int = 60         # typical output speed


def _micro(value: object, what: str) -> int:
    """A price in USD per 1M tokens as exact integer micro-dollars per 1M tokens."""
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ConfigError("%s: %r is not a number" % (what, value))
    if not d.is_finite() or d < 0:
        raise ConfigError("%s: price must be a number >= 0, got %r" % (what, value))
    return int((d * 1000000).to_integral_value())


class Catalog(object):
    """Price entries by (provider, model), with lookups tolerant of dated model ids."""

    def __init__(self, entries: List[PriceEntry], source: str, as_of: str, batch_discount_pct: int = 50) -> None:
        self.entries = list(entries)
        self.source = source
        self.as_of = as_of
        self.batch_discount_pct = batch_discount_pct
        self._by_key = {(e.provider, e.model): e for e in self.entries}  # type: Dict[Tuple[str, str], PriceEntry]
        self._by_model = {}  # type: Dict[str, PriceEntry]
        for e in self.entries:  # first provider listed wins for a bare model id (gpt-4o: OpenAI before Azure)
            self._by_model.setdefault(e.model, e)

    def get(self, provider: str, model: str) -> Optional[PriceEntry]:
        """The entry for this provider and model, else for the model under any provider, else its family."""
        e = self._by_key.get((provider, model))
        if e is None:
            e = self._by_key.get((provider.lower(), model)) or self.find_model(model)
        return e

    def find_model(self, model_id: str) -> Optional[PriceEntry]:
        """Map a billed model id (maybe dated, maybe prefixed like openai/gpt-4o) to its catalog entry."""
        mid = (model_id or "").strip()
        if mid in self._by_model:
            return self._by_model[mid]
        for prefix in ("models/", "openai/", "anthropic/", "bedrock/", "azure/", "gemini/", "vertex_ai/",
                       "mistral/", "cohere/", "us.", "eu.", "apac."):
            if mid.lower().startswith(prefix):
                return self.find_model(mid[len(prefix):])
        best = None  # longest catalog id that the model id extends with a date/version suffix
        for name, e in self._by_model.items():
            if mid.startswith(name) and _SUFFIX.match(mid[len(name):]) and (best is None or len(name) > len(best.model)):
                best = e
        if best is None and "." not in mid:  # bedrock ids carry a vendor prefix: anthropic.claude-v2
            for name, e in self._by_model.items():
                if name.endswith("." + mid):
                    return e
        return best

    def models(self) -> List[PriceEntry]:
        return list(self.entries)


def cost_micro(entry: PriceEntry, input_tokens: int, output_tokens: int) -> int:
    """Exact cost of one call in integer micro-dollars (round half up)."""
    return (input_tokens * entry.input_micro_per_1m + output_tokens * entry.output_micro_per_1m + 500000) // 1000000


def list_cost_nano(entry: PriceEntry, input_tokens: int, output_tokens: int) -> int:
    """Nano-dollars of these tokens at the entry's list prices (round half up): the one way every report prices
    an alternative, so the same move has the same price on every page."""
    return (input_tokens * entry.input_micro_per_1m + output_tokens * entry.output_micro_per_1m + 500) // 1000


def format_micro(micro: int) -> str:
    """Micro-dollars as the CSV's 6-decimal USD string."""
    sign = "-" if micro < 0 else ""
    whole, frac = divmod(abs(micro), 1000000)
    return "%s%d.%06d" % (sign, whole, frac)


def _entry(raw: Dict[str, object], where: str) -> PriceEntry:
    provider = str(raw.get("provider") or "").strip()
    model = str(raw.get("model") or "").strip()
    if not provider or not model:
        raise ConfigError("%s: every price entry needs a provider and a model" % where)
    if _BAD_NAME.search(provider) or _BAD_NAME.search(model):
        raise ConfigError("%s: provider/model %r may not contain commas, quotes or line breaks" % (where, provider + "/" + model))
    for k in ("input_per_1m", "output_per_1m"):
        if raw.get(k) in (None, ""):
            raise ConfigError("%s: %s/%s lacks %s" % (where, provider, model, k))
    cls = str(raw.get("class") or "standard").strip()
    if cls not in CLASSES:
        raise ConfigError("%s: %s/%s class %r is not one of %s" % (where, provider, model, cls, ", ".join(CLASSES)))

    def opt_int(k: str, default: int) -> int:
        v = raw.get(k)
        if v in (None, ""):
            return default
        try:
            n = int(float(str(v)))
        except ValueError:
            raise ConfigError("%s: %s/%s %s %r is not a number" % (where, provider, model, k, v))
        if n <= 0:
            raise ConfigError("%s: %s/%s %s must be positive" % (where, provider, model, k))
        return n

    def opt_price(k: str) -> Optional[int]:
        v = raw.get(k)
        return None if v in (None, "") else _micro(v, "%s: %s/%s %s" % (where, provider, model, k))

    return PriceEntry(
        provider=provider, model=model,
        input_micro_per_1m=_micro(raw["input_per_1m"], "%s: %s/%s input_per_1m" % (where, provider, model)),
        output_micro_per_1m=_micro(raw["output_per_1m"], "%s: %s/%s output_per_1m" % (where, provider, model)),
        cached_input_micro_per_1m=opt_price("cached_input_per_1m"), cache_write_micro_per_1m=opt_price("cache_write_per_1m"),
        context_window=opt_int("context_window", 128000), model_class=cls,
        ttft_ms=opt_int("ttft_ms", 500), tokens_per_s=opt_int("tokens_per_s", 60),
    )


def _read_file(path: str) -> Tuple[List[PriceEntry], Dict[str, object]]:
    if not os.path.isfile(path):
        raise ConfigError("price file %s does not exist" % path)
    try:
        with open(path, encoding="utf-8-sig") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError("cannot read price file %s: %s" % (path, e))
    return _parse(text, path)


def _parse(text: str, where: str) -> Tuple[List[PriceEntry], Dict[str, object]]:
    """The entries and metadata of a price file's text (JSON or CSV); `where` names it in messages."""
    meta = {}  # type: Dict[str, object]
    if where.lower().endswith(".json") or text.lstrip().startswith(("{", "[")):
        try:
            doc = json.loads(text)
        except ValueError as e:
            raise ConfigError("price file %s is not valid JSON: %s" % (where, e))
        raws = doc.get("models") if isinstance(doc, dict) else doc
        if not isinstance(raws, list) or not all(isinstance(r, dict) for r in raws):
            raise ConfigError("price file %s: expected {\"models\": [{\"provider\", \"model\", \"input_per_1m\", "
                              "\"output_per_1m\"}, ...]}" % where)
        meta = doc if isinstance(doc, dict) else {}
    else:
        rd = csv.DictReader(text.splitlines())
        if not rd.fieldnames or not {"provider", "model", "input_per_1m", "output_per_1m"} <= {h.strip() for h in rd.fieldnames}:
            raise ConfigError("price file %s: CSV needs columns provider,model,input_per_1m,output_per_1m" % where)
        raws = [{(k or "").strip(): v for k, v in r.items()} for r in rd]
    entries = [_entry(r, "%s entry %d" % (where, i + 1)) for i, r in enumerate(raws)]
    if not entries:
        raise ConfigError("price file %s lists no models" % where)
    return entries, meta


_BUILTIN = None  # type: Optional[Catalog]


def builtin_catalog() -> Catalog:
    """The catalog shipped with the code (read once per process)."""
    global _BUILTIN
    if _BUILTIN is None:
        data = pkgutil.get_data(__name__.rpartition(".")[0] or "pricing", BUILTIN_NAME)
        if data is None:
            raise ConfigError("the built-in price catalog %s is missing from the pricing package" % BUILTIN_NAME)
        entries, meta = _parse(data.decode("utf-8-sig"), BUILTIN_NAME)
        _BUILTIN = Catalog(entries, str(meta.get("source", "")), str(meta.get("as_of", "")),
                           int(meta.get("batch_discount_pct", 50)))  # type: ignore[arg-type]
    return _BUILTIN


def load_catalog(path: Optional[str] = None) -> Catalog:
    """The built-in catalog, overridden and extended by the entries of `path` when given. Build it once per run
    and hand it on (the analyzers read it from their View)."""
    base = builtin_catalog()
    if not path:
        return base
    extra, meta = _read_file(path)
    merged = {(e.provider, e.model): e for e in base.entries}
    for e in extra:
        merged[(e.provider, e.model)] = e
    source = str(meta.get("source") or ("%s (over the built-in catalog)" % os.path.basename(path)))
    return Catalog(list(merged.values()), source, str(meta.get("as_of") or base.as_of), base.batch_discount_pct)
