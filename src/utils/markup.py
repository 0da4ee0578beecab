"""Safe HTML fragments and the human-readable number formats that reports display.

The base of the report components (utils/html_generator.py re-exports all of it). Escaping is automatic:
`escape()` and `tag()` escape every value unless it is `Markup`, which only our own builders create.
"""
import html
import json
import math
import re
from typing import Any, Callable, Iterable, Optional

DASH = "\u2014"  # shown for a missing value


class Markup(str):
    """A str of trusted HTML built by our components. Concatenating with plain text escapes that text."""

    __slots__ = ()

    def __add__(self, other: Any) -> "Markup":
        return Markup(str.__add__(self, escape(other)))

    def __radd__(self, other: Any) -> "Markup":
        return Markup(str.__add__(escape(other), self))

    def join(self, parts: Iterable[Any]) -> "Markup":  # type: ignore[override]
        return Markup(str.join(self, [escape(p) for p in parts]))

    def __html__(self) -> "Markup":
        return self


def escape(value: Any) -> Markup:
    """HTML-escape str(value) (quotes too) unless it is already Markup; None becomes the empty string."""
    if isinstance(value, Markup):
        return value
    if value is None:
        return Markup("")
    return Markup(html.escape(str(value), quote=True))


def join(parts: Iterable[Any], sep: str = "\n") -> Markup:
    """Concatenate fragments: Markup is kept, anything else is escaped, None is dropped."""
    return Markup(sep).join(p for p in parts if p is not None)


def _attr_name(name: str) -> str:
    # class_ -> class, data_sort -> data-sort, aria_label -> aria-label
    return name.rstrip("_").replace("_", "-")


def attrs(**kwargs: Any) -> Markup:
    """Render attributes (escaped); None and False are left out, True gives a bare attribute."""
    out = []
    for name, value in kwargs.items():
        if value is None or value is False:
            continue
        if value is True:
            out.append(" " + _attr_name(name))
        else:
            out.append(' %s="%s"' % (_attr_name(name), escape(value)))
    return Markup("".join(out))


def tag(name: str, content: Any = None, **kwargs: Any) -> Markup:
    """`<name attrs>content</name>`; content may be text, Markup or a list of them (each escaped unless Markup)."""
    if isinstance(content, (list, tuple)):
        body = join(content, "")
    else:
        body = escape(content)
    return Markup("<%s%s>%s</%s>" % (name, attrs(**kwargs), body, name))


def void(name: str, **kwargs: Any) -> Markup:
    """An element without content, such as `<input>` or an SVG `<rect/>`."""
    return Markup("<%s%s/>" % (name, attrs(**kwargs)))


def script_json(value: Any) -> Markup:
    """JSON for inside a <script> element: <, >, & and the JS line separators are \\u-escaped."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for ch, rep in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, rep)
    return Markup(text)


_TAG_RE = re.compile(r"<[^>]*>")


def plain_text(value: Any) -> str:
    """The visible text of a value: Markup loses its tags and entities, anything else is str()."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return html.unescape(_TAG_RE.sub("", value))
    return str(value)


# ---- number formats for people (display only: totals are computed from unrounded values) ----

def _number(x: Any) -> Optional[float]:
    """float(x), or None when x is missing, not a number, NaN or infinite."""
    if x is None or isinstance(x, bool):
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _fallback(x: Any) -> str:
    return DASH if x is None or _number(x) is None and not isinstance(x, str) else str(x)


def fmt_usd(x: Any) -> str:
    """"$12,345.67", "-$1,234.00"; below $1 two significant digits, at most 4 decimals ("$0.0042")."""
    v = _number(x)
    if v is None:
        return _fallback(x)
    a = abs(v)
    if a == 0 or a >= 0.995:
        decimals = 2
    else:
        decimals = min(4, max(2, 1 - int(math.floor(math.log10(a)))))
    if 0 < a < 0.00005:
        return ("-" if v < 0 else "") + "<$0.0001"
    text = "{:,.{}f}".format(a, decimals)
    if decimals > 2:
        text = text.rstrip("0") if len(text.rstrip("0").split(".")[1]) >= 2 else text[:text.index(".") + 3]
    sign = "-" if v < 0 and text.strip("0.,") else ""
    return "%s$%s" % (sign, text)


def _compact(v: float) -> str:
    """1234 -> "1.2K", 3_400_000 -> "3.4M" (a trailing ".0" dropped); for |v| >= 999.5."""
    a = abs(v)
    for div, suffix in ((1e3, "K"), (1e6, "M"), (1e9, "B"), (1e12, "T")):
        text = "%.1f" % (a / div)
        if float(text) < 1000 or suffix == "T":  # 999,960 is "1M", not "1000K"
            break
    text = text[:-2] if text.endswith(".0") else text
    return ("-" if v < 0 else "") + text + suffix


def fmt_usd_compact(x: Any) -> str:
    """"$1.2K", "$3.4M"; below $1,000 like fmt_usd but whole dollars without cents ("$950")."""
    v = _number(x)
    if v is None:
        return _fallback(x)
    if abs(v) >= 999.5:
        text = _compact(v)
        return "-$" + text[1:] if text.startswith("-") else "$" + text
    if v == int(v):
        return ("-" if v < 0 else "") + "$%d" % abs(int(v))
    return fmt_usd(v)


def fmt_num_compact(x: Any) -> str:
    """"1.2K", "3.4M", "950", "0.25": a short number for axis ticks."""
    v = _number(x)
    if v is None:
        return _fallback(x)
    if abs(v) >= 999.5:
        return _compact(v)
    return ("%d" % v) if v == int(v) else ("%.3g" % v)


def fmt_int(x: Any) -> str:
    """"12,345" (rounded to the nearest whole number)."""
    v = _number(x)
    if v is None:
        return _fallback(x)
    return "{:,}".format(int(round(v)))


def fmt_pct(x: Any, decimals: int = 1, signed: bool = False) -> str:
    """x in percent units: 12.3 -> "12.3%"; signed=True adds "+" to positive values (for changes)."""
    v = _number(x)
    if v is None:
        return _fallback(x)
    text = "{:,.{}f}%".format(v, decimals)
    if text.startswith("-") and not text.strip("-0.%"):
        text = text[1:]  # no "-0.0%"
    return "+" + text if signed and v > 0 and text.strip("0.%") else text


def fmt_tokens(x: Any) -> str:
    """"1.2M tokens", "850K tokens", "12 tokens", "1 token"."""
    v = _number(x)
    if v is None:
        return _fallback(x)
    if abs(v) >= 999.5:
        return _compact(v) + " tokens"
    n = int(round(v))
    return "%d token%s" % (n, "" if n == 1 else "s")


def fmt_ms(x: Any, unit: str = "auto") -> str:
    """Latency: "850 ms", "1,234 ms" (below 10 s, so columns compare in one unit), "12.3 s"; unit="s" forces seconds."""
    v = _number(x)
    if v is None:
        return _fallback(x)
    if unit == "s" or (unit == "auto" and abs(v) >= 10000):
        return "{:,.1f} s".format(v / 1000.0)
    return "{:,} ms".format(int(round(v)))


# For axis ticks: a short form of each long display format.
def _pct_tick(x: Any) -> str:
    """Whole percentages on an axis ("-50%"), decimals only when the step needs them."""
    v = _number(x)
    return fmt_pct(x, 0 if v is None or v == int(v) else 1)


TICK_FORMATS = {fmt_usd: fmt_usd_compact, fmt_int: fmt_num_compact, fmt_tokens: fmt_num_compact,
                fmt_ms: fmt_ms, fmt_pct: _pct_tick}  # type: dict


def tick_format(value_format: Callable[[Any], str]) -> Callable[[Any], str]:
    """The axis-tick formatter that goes with a value formatter."""
    return TICK_FORMATS.get(value_format, value_format)


def fmt_days(days: Any) -> str:
    """A data period's length in days for people: "30 days", "29.6 days", "1 day"."""
    d = _number(days)
    if d is None:
        return DASH
    text = "%d" % round(d) if abs(d - round(d)) < 0.05 else "%.1f" % d
    return text + (" day" if text == "1" else " days")
