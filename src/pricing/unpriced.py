"""Models the price catalog cannot price, said out loud: which, how much usage, and the --prices line that fixes each.

Used by every import summary (import_usage.py) and by every report's notes (analyzers/engine/base.py), so the
message and the line to add are the same everywhere. The line has the CSV columns --prices reads
(provider,model,input_per_1m,output_per_1m) with two placeholders to fill in with the model's list prices; left as
they are, the placeholders are not numbers and --prices refuses the file, so a guess never passes for a price.
"""
from typing import Any, Dict, Iterable, List, Tuple

HEADER = "provider,model,input_per_1m,output_per_1m"
PLACEHOLDERS = ("INPUT_USD_PER_1M", "OUTPUT_USD_PER_1M")
LISTED = 10  # models named one by one; the rest are counted
UNKNOWN_PROVIDER = "other"


def prices_line(provider: str, model: str) -> str:
    """The --prices CSV line for this model, with the two prices to fill in."""
    p = provider if provider and not provider.startswith("(") else UNKNOWN_PROVIDER
    return "%s,%s,%s,%s" % (p, model, PLACEHOLDERS[0], PLACEHOLDERS[1])


def unpriced(catalog, usage: Iterable[Tuple[str, str, int, int, int]]) -> List[Dict[str, Any]]:
    """The (provider, model, calls, input tokens, output tokens) rows of `usage` whose model `catalog.resolve`
    finds no entry for, most calls first, each with its --prices line."""
    found = {}  # type: Dict[Tuple[str, str], List[int]]
    for provider, model, calls, inp, out in usage:
        if catalog.resolve(provider, model) is None:
            acc = found.setdefault((provider, model), [0, 0, 0])
            acc[0] += calls
            acc[1] += inp
            acc[2] += out
    rows = [{"provider": p, "model": m, "calls": c, "input_tokens": i, "output_tokens": o,
             "prices_line": prices_line(p, m)} for (p, m), (c, i, o) in found.items()]
    rows.sort(key=lambda r: (-r["calls"], r["provider"], r["model"]))
    return rows


def listing(rows: List[Dict[str, Any]]) -> str:
    """'openai/gpt-9 (12 calls, 3,400 input + 900 output tokens), ...' for the first LISTED rows."""
    parts = ["%s/%s (%s call%s, %s input + %s output tokens)" % (
        r["provider"], r["model"], format(r["calls"], ","), "" if r["calls"] == 1 else "s",
        format(r["input_tokens"], ","), format(r["output_tokens"], ",")) for r in rows[:LISTED]]
    if len(rows) > LISTED:
        parts.append("and %d more" % (len(rows) - LISTED))
    return ", ".join(parts)


def fix(rows: List[Dict[str, Any]]) -> str:
    """How to price them: a --prices CSV whose header and lines are given, placeholders to fill in."""
    lines = "; ".join(r["prices_line"] for r in rows[:LISTED])
    return ("pass --prices FILE, a CSV with the header %s and these lines, %s and %s replaced by each model's list "
            "prices in USD per 1M tokens: %s" % (HEADER, PLACEHOLDERS[0], PLACEHOLDERS[1], lines))


def report_note(rows: List[Dict[str, Any]]) -> str:
    """The note every report carries when its data has models the price catalog does not know."""
    return ("%d model(s) in this data are not in the price catalog: %s. Their spend is the data's cost_usd as "
            "always, but no list price values an alternative for them (a cheaper model, a cache, a batch, a faster "
            "model). To price them, %s." % (len(rows), listing(rows), fix(rows)))
