"""Deterministic JSON output: the same figures always give the same bytes (no NaN, keys in the order built)."""
import itertools
import json
import math
from json.encoder import encode_basestring
from typing import Any, Callable, Dict, List

_PLAIN = frozenset((str, int, float, bool, type(None)))  # values a flat record holds


def clean(value: Any) -> Any:
    """Replace NaN and infinities (not JSON) by None, recursively; tuples become lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


def dumps(doc: Any) -> str:
    """The document as JSON text, indented by one space per level: byte for byte what
    json.dumps(clean(doc), indent=1, ensure_ascii=False, allow_nan=False) writes, but each flat record (a dict or
    list of plain values, such as one customer of 100,000) is encoded by the C encoder in one call, where the
    standard library encodes every value of an indented document in Python."""
    out = []  # type: List[str]
    _encode(doc, 0, out)
    out.append("\n")
    return "".join(out)


_FLAT = {}  # type: Dict[int, Callable[[Any], str]]  # depth -> the C encoder of a flat record at that depth


def _flat_encoder(depth: int) -> Callable[[Any], str]:
    enc = _FLAT.get(depth)
    if enc is None:
        enc = _FLAT[depth] = json.JSONEncoder(ensure_ascii=False, allow_nan=False,
                                              separators=(",\n" + " " * (depth + 1), ": ")).encode
    return enc


def _encode(value: Any, depth: int, out: List[str]) -> None:
    t = type(value)
    if t is str:
        out.append(encode_basestring(value))
    elif t in _PLAIN:
        out.append(_plain(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
        elif set(map(type, value)) <= {str} and set(map(type, value.values())) <= _PLAIN:
            _flat(value, depth, out)
        elif not set(map(type, value)) <= {str}:
            _encode(clean(value), depth, out)  # keys become str(key), as clean() makes them
        else:
            pad = "\n" + " " * (depth + 1)
            out.append("{")
            sep = pad
            for k, v in value.items():
                out.append(sep)
                out.append(encode_basestring(k))
                out.append(": ")
                _encode(v, depth + 1, out)
                sep = "," + pad
            out.append("\n" + " " * depth + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
        elif set(map(type, value)) <= _PLAIN:
            _flat(value, depth, out)
        elif _flat_records(value) and _records(value, depth, out):
            pass
        else:
            pad = "\n" + " " * (depth + 1)
            out.append("[")
            sep = pad
            for v in value:
                out.append(sep)
                _encode(v, depth + 1, out)
                sep = "," + pad
            out.append("\n" + " " * depth + "]")
    else:
        out.append(json.dumps(clean(value), ensure_ascii=False, allow_nan=False))  # a number or str subclass


def _plain(value: Any) -> str:
    """A plain value as the C encoder writes it (int and float repr, true/false/null), without a json.dumps call."""
    t = type(value)
    if t is int:
        return int.__repr__(value)
    if t is float:
        return float.__repr__(value) if math.isfinite(value) else "null"
    if value is None:
        return "null"
    if t is bool:
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def _flat(value: Any, depth: int, out: List[str]) -> None:
    """A non-empty dict or list of plain values, indented at `depth`, in one C-encoder call."""
    try:
        text = _flat_encoder(depth)(value)
    except ValueError:  # NaN or an infinity: null, as clean() makes it
        text = _flat_encoder(depth)(clean(value))
    out.append(text[0] + "\n" + " " * (depth + 1) + text[1:-1] + "\n" + " " * depth + text[-1])


def _flat_record(value: Any) -> bool:
    """A non-empty dict of plain values under str keys (one customer, one row of a long table)."""
    return (type(value) is dict and bool(value) and set(map(type, value)) <= {str}
            and set(map(type, value.values())) <= _PLAIN)


def _flat_records(value: Any) -> bool:
    """all(map(_flat_record, value)), in three C-level passes over the list (a list of 100,000 customers)."""
    return (set(map(type, value)) == {dict} and all(value)
            and set(map(type, itertools.chain.from_iterable(value))) <= {str}
            and set(map(type, itertools.chain.from_iterable(map(dict.values, value)))) <= _PLAIN)


_MARK = ",\x00"  # the C encoder's item separator for a list of records: a raw NUL never appears in JSON text


def _records(value: Any, depth: int, out: List[str]) -> bool:
    """A list of flat records in one C-encoder call (False, and nothing written, if a value is NaN or infinite):
    a record boundary is the only place a separator sits between "}" and "{" (a plain value never ends in "}"),
    so the indentation of both levels is put in by two replacements."""
    enc = _RECORDS.get(depth)
    if enc is None:
        enc = _RECORDS[depth] = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(_MARK, ": ")).encode
    try:
        text = enc(value)
    except ValueError:
        return False
    i0, i1, i2 = "\n" + " " * depth, "\n" + " " * (depth + 1), "\n" + " " * (depth + 2)
    text = text[2:-2]
    text = text.replace("}" + _MARK + "{", i1 + "}," + i1 + "{" + i2)
    text = text.replace(_MARK, "," + i2)  # one step at a time, and no concatenation: tens of MB held once or twice
    out.extend(("[" + i1 + "{" + i2, text, i1 + "}" + i0 + "]"))
    return True


_RECORDS = {}  # type: Dict[int, Callable[[Any], str]]
