"""The price catalog: list prices per model (USD per 1M tokens), with its source and date, and the one function that
maps a model id as an export writes it to its entry (`Catalog.resolve`).

The built-in catalog is `prices.json` in this package, read with `pkgutil.get_data` so that it loads as well when
the code is shipped as a zip (e.g. to the workers of a cluster). `load_catalog(path)` puts a price file on top of it
(or, with `alone=True`, uses the file by itself): our JSON, a CSV with columns provider,model,input_per_1m,
output_per_1m[,...], or LiteLLM's model_prices_and_context_window.json as it is (files.py). Entries in the file
override built-in ones with the same provider and model, and new ones are added. The simulator, the analyzers, the
importers, the FOCUS export and the showcase's collector all price through this one catalog and resolve ids with
`Catalog.resolve`, so a model id means the same price everywhere.

Cost of a call, exactly: micro-dollars = round_half_up((input_tokens x input_price + output_tokens x output_price)
/ 1e6) with prices held as integer micro-dollars per 1M tokens, so every cost in the CSV is reproducible.
"""
import os
import pkgutil
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from pricing import resolve as R
from utils.errors import ConfigError

BUILTIN_NAME = "prices.json"  # a resource of this package
CLASSES = ("premium", "standard", "economy")


@dataclass(frozen=True)
class PriceEntry:
    """One model's list prices, held exactly as integer micro-dollars per 1M tokens, and what the simulator needs
    to use it (class, speed, the dates it is on sale)."""
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
    batch_discount_pct: Optional[int] = None  # this model's batch discount, when it differs from its provider's
    available_from: Optional[str] = None      # YYYY-MM-DD: first day on sale (None: always)
    retired: Optional[str] = None             # YYYY-MM-DD: first day no longer served (None: still on sale)
    aliases: Tuple[str, ...] = ()             # other ids of the same model (claude-4-sonnet, mistral-large-3)
    simulated: bool = True                    # False: priced only, never in the simulator's mix

    def on_sale(self, day: str) -> bool:
        """Whether the model is served on `day` (YYYY-MM-DD)."""
        return ((self.available_from is None or self.available_from <= day)
                and (self.retired is None or day < self.retired))


@dataclass(frozen=True)
class Resolved:
    """A model id resolved to its catalog entry, and how: `steps` is empty for an exact id; else the rules applied
    (alias, dated, fine-tuned, prefixed, region, vendor, dots, other provider; see resolve.py)."""
    entry: PriceEntry
    steps: Tuple[str, ...] = ()
    fine_tuned: bool = False

    @property
    def how(self) -> str:
        return "+".join(self.steps) or "exact"


@dataclass
class _Index:
    by_key: Dict[Tuple[str, str], PriceEntry] = field(default_factory=dict)  # (provider, id) -> entry
    by_id: Dict[str, List[PriceEntry]] = field(default_factory=dict)          # id -> entries, catalog order
    aliases: set = field(default_factory=set)                                 # (provider, id) that are aliases


class Catalog(object):
    """Price entries by (provider, model); `resolve` maps any id an export writes to one of them."""

    def __init__(self, entries: List[PriceEntry], source: str, as_of: str, batch_discount_pct: int = 50,
                 provider_batch_pct: Optional[Dict[str, Optional[int]]] = None,
                 skipped: Optional[Dict[str, int]] = None) -> None:
        self.entries = list(entries)
        self.source = source
        self.as_of = as_of
        self.batch_discount_pct = batch_discount_pct  # the common published rate (what the savings model assumes)
        self.provider_batch_pct = dict(provider_batch_pct or {})  # provider -> its rate; None: no batch API
        self.skipped = dict(skipped or {})  # entries of the price file without token prices, by reason
        self._ids = _Index()
        self._bare = _Index()  # Bedrock-style ids without their vendor: claude-v2 -> anthropic.claude-v2
        for e in self.entries:  # first listed wins for an id shared by providers (gpt-4o: OpenAI before Azure)
            for i, mid in enumerate((e.model,) + e.aliases):
                _add(self._ids, e, mid.lower(), i > 0)
                short = R.bare(mid)
                if short:
                    _add(self._bare, e, short, i > 0)
        self._cache = {}  # type: Dict[Tuple[str, str], Optional[Resolved]]

    # ---- resolution -----------------------------------------------------------------------------------------
    def resolve(self, provider: str, model: str) -> Optional[Resolved]:
        """The catalog entry of `model` as `provider` bills it, with how it matched; None when no rule finds one.

        Each form of the id (resolve.forms: as given, fine-tuned base, without path, region or vendor prefix, dots
        as dashes) is looked up in turn, first under the call's provider (and a provider its path names), then
        under any provider: as an exact id or alias, then as a catalog id it extends with a date or version suffix
        (the longest such id), then as a Bedrock id without its vendor. The first hit wins, so a --prices entry
        for the exact id beats any family match."""
        key = (provider or "", model or "")
        if key not in self._cache:
            self._cache[key] = self._resolve(R.provider_id(provider), (model or "").strip())
        return self._cache[key]

    def _resolve(self, provider: str, model: str) -> Optional[Resolved]:
        if not model:
            return None
        for form, steps, tuned, hint in R.forms(model):
            mine = [p for p in (provider, hint) if p]
            for scope in (mine, None) if mine else (None,):
                hit = self._lookup(form, scope)
                if hit is not None:
                    entry, more = hit
                    if scope is None and provider and entry.provider != provider:
                        more += ("other provider",)
                    return Resolved(entry, steps + more, tuned)
        return None

    def _lookup(self, form: str, providers: Optional[List[str]]) -> Optional[Tuple[PriceEntry, Tuple[str, ...]]]:
        for index, tag in ((self._ids, ()), (self._bare, ("vendor",))):
            hit = _find(index, form, providers)
            if hit is not None:
                return hit[0], tag + hit[1]
            for name, _ in R.family_cuts(form):
                hit = _find(index, name, providers)
                if hit is not None:
                    return hit[0], tag + hit[1] + ("dated",)
        return None

    def get(self, provider: str, model: str) -> Optional[PriceEntry]:
        """The entry `resolve` finds for this provider and model, else None (a thin wrapper of resolve)."""
        r = self.resolve(provider, model)
        return r.entry if r is not None else None

    def find_model(self, model_id: str) -> Optional[PriceEntry]:
        """The entry of a model id under any provider (resolve with no provider)."""
        return self.get("", model_id)

    # ---- what the simulator and the savings model ask ---------------------------------------------------------
    def models(self) -> List[PriceEntry]:
        return list(self.entries)

    def on_sale(self, day: str) -> List[int]:
        """Indexes into `entries` of the models served on `day` (YYYY-MM-DD) that the simulator may use."""
        return [i for i, e in enumerate(self.entries) if e.simulated and e.on_sale(day)]

    def batch_pct(self, entry: PriceEntry) -> Optional[int]:
        """The batch discount (percent off list) of this model: its own, else its provider's, else the catalog's
        common rate; None when the provider has no batch API."""
        if entry.batch_discount_pct is not None:
            return entry.batch_discount_pct
        if entry.provider in self.provider_batch_pct:
            return self.provider_batch_pct[entry.provider]
        return self.batch_discount_pct


def _add(index: _Index, e: PriceEntry, mid: str, alias: bool) -> None:
    index.by_key.setdefault((e.provider, mid), e)
    index.by_id.setdefault(mid, []).append(e)
    if alias:
        index.aliases.add((e.provider, mid))


def _find(index: _Index, mid: str, providers: Optional[List[str]]) -> Optional[Tuple[PriceEntry, Tuple[str, ...]]]:
    """The entry of id `mid` under one of `providers` (in order), or under any provider when None."""
    if providers is None:
        found = index.by_id.get(mid)
        e = found[0] if found else None
    else:
        e = next((index.by_key[(p, mid)] for p in providers if (p, mid) in index.by_key), None)
    if e is None:
        return None
    return e, (("alias",) if (e.provider, mid) in index.aliases and mid != e.model.lower() else ())


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


_BUILTIN = None  # type: Optional[Catalog]


def builtin_catalog() -> Catalog:
    """The catalog shipped with the code (read once per process)."""
    global _BUILTIN
    if _BUILTIN is None:
        from pricing import files
        data = pkgutil.get_data(__name__.rpartition(".")[0] or "pricing", BUILTIN_NAME)
        if data is None:
            raise ConfigError("the built-in price catalog %s is missing from the pricing package" % BUILTIN_NAME)
        parsed = files.parse(data.decode("utf-8-sig"), BUILTIN_NAME)
        meta = parsed.meta
        _BUILTIN = Catalog(parsed.entries(None), str(meta.get("source", "")), str(meta.get("as_of", "")),
                           int(meta.get("batch_discount_pct", 50)),  # type: ignore[arg-type]
                           files.provider_batch(meta, BUILTIN_NAME))
    return _BUILTIN


def load_catalog(path: Optional[str] = None, alone: bool = False) -> Catalog:
    """The built-in catalog, overridden and extended by the entries of `path` when given; with `alone`, the entries
    of `path` only (the built-in catalog then only lends its simulator attributes to models it also has). Build it
    once per run and hand it on (the analyzers read it from their View)."""
    from pricing import files
    base = builtin_catalog()
    if not path:
        if alone:
            raise ConfigError("--prices-alone needs --prices FILE: the price file to use instead of the built-in one")
        return base
    parsed = files.read(path)
    extra = parsed.entries(base)
    name = os.path.basename(path)
    what = "%s (%s)" % (name, parsed.kind) + ("" if alone else " over the built-in catalog of %s" % base.as_of)
    if parsed.skipped:
        what += "; %d entries without token prices skipped (%s)" % (sum(parsed.skipped.values()), ", ".join(
            "%s %d" % (k, v) for k, v in sorted(parsed.skipped.items())))
    merged = {} if alone else {(e.provider, e.model): e for e in base.entries}
    for e in extra:
        merged[(e.provider, e.model)] = e
    meta = parsed.meta
    source = str(meta.get("source") or what)
    if meta.get("source"):
        source += " (%s)" % what
    batch = dict(base.provider_batch_pct)
    batch.update(files.provider_batch(meta, name))
    return Catalog(list(merged.values()), source, str(meta.get("as_of") or base.as_of), base.batch_discount_pct,
                   batch, parsed.skipped)
