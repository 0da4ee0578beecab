"""Deterministic JSON output: the same figures always give the same bytes (no NaN, keys in the order built)."""
import json
import math
from typing import Any


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
    return json.dumps(clean(doc), indent=1, ensure_ascii=False, allow_nan=False) + "\n"
