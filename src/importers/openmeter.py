"""OpenMeter token meters: the query API's JSON, or a CSV of window_start, window_end, subject, model, type, value.

JSON (the query API's default answer): {"from", "to", "windowSize", "data": [{"value", "windowStart", "windowEnd",
"subject", "groupBy": {"model", "type", ...}}]}, one per file or a JSON list of them. CSV: one row per window,
subject, model and type. `type` is input or output (also prompt / completion, input_tokens / output_tokens). The
input and output rows of a window x subject x model (x the optional fields named like ours: provider,
organization_id, product_id, feature_id, task_type, subscription_tier, environment) make one bucket, priced from the
catalog and split over one call per hour of its window. A row repeating an earlier one exactly (an overlapping page)
is skipped; rows with the same key but other values are added up.
"""
from collections import OrderedDict
from typing import Any, Dict, List, Tuple

from importers.calls import Import, Usage, hourly_calls
from importers.common import (UNKNOWN, InputFormatError, count, data_documents, epoch_ms, read_csv, read_text,
                              short_hash)
from utils.timeutil import iso

NOTES = ("Metering windows count tokens, not requests: each window x subject x model was split over one call per "
         "hour of the window, so call counts, per-call token sizes and latency are not real.")
CUSTOMER_FIELDS = ("subject",)
REAL_CUSTOMERS = 1
CUSTOMER_ANY = True  # --customer-from may name any column or groupBy key
NO_MODEL = "the meter export has no model: group the meter (and the query) by model"
REQUIRED = ("window_start", "window_end", "subject", "type", "value")
EXTRA = ("provider", "organization_id", "product_id", "feature_id", "task_type", "subscription_tier", "environment")
TYPES = {"input": 0, "prompt": 0, "input_tokens": 0, "prompt_tokens": 0,
         "output": 1, "completion": 1, "output_tokens": 1, "completion_tokens": 1}
SHAPE = ("expected the query API's JSON {\"windowSize\", \"data\": [{\"value\", \"windowStart\", \"windowEnd\", "
         "\"subject\", \"groupBy\": {\"model\", \"type\"}}]} or a CSV with columns " + ",".join(REQUIRED))


class _Groups(object):
    """Input and output tokens per bucket key, in first-seen order."""

    def __init__(self, imp: Import) -> None:
        self.imp = imp
        self.tokens = OrderedDict()  # type: Dict[Tuple, List[int]]

    def add(self, where: str, start: int, end: int, kind: str, value: Any, values: Dict[str, Any]) -> None:
        imp = self.imp
        imp.records += 1
        kind = str(kind or "").strip().lower()
        if kind not in TYPES:
            imp.ignored["rows of type other than input/output (e.g. %s)" % (kind or "none")] += 1
            return
        n = count(value, "value", where, None)
        customer = tuple(str(values.get(f) or "").strip() for f in (imp.customer_from or "subject", "subject"))
        key = (start, end, str(values.get("model") or "").strip()) + customer + tuple(
            str(values.get(c) or "").strip() for c in EXTRA)
        if imp.seen(("openmeter",) + key + (kind, n)):
            return
        self.tokens.setdefault(key, [0, 0])[TYPES[kind]] += n

    def flush(self) -> None:
        imp = self.imp
        for key, (inp, out) in self.tokens.items():
            start, end, model, chosen, subject = key[:5]
            fields = dict(zip(EXTRA, key[5:]))  # type: Dict[str, Any]
            fields["model"] = model
            if not fields["provider"] and model:
                fields["provider"] = imp.provider_of(model)
            imp.begin()
            fields["customer_id"] = imp.customer({imp.customer_from or "subject": chosen, "subject": subject},
                                                 CUSTOMER_FIELDS, REAL_CUSTOMERS)
            imp.add_bucket(start, end, hourly_calls(start, end), Usage(uncached=inp, output=out), fields,
                           "openmeter-%d-%s" % (start, short_hash(key)), where="the window from %s of subject %s, "
                           "model %s" % (iso(start), subject or UNKNOWN, model or UNKNOWN))


def read(path: str, imp: Import) -> None:
    groups = _Groups(imp)
    if read_text(path).lstrip()[:1] in ("[", "{"):
        _json(path, groups)
    else:
        for line_no, row in read_csv(path, REQUIRED):
            where = "%s line %d" % (path, line_no)
            start = epoch_ms(row["window_start"], "window_start", where) // 1000
            end = epoch_ms(row["window_end"], "window_end", where) // 1000
            groups.add(where, start, end, row["type"], row["value"], row)
    groups.flush()


def _json(path: str, groups: _Groups) -> None:
    for where, body in data_documents(path, "an OpenMeter query result", SHAPE):
        for k, row in enumerate(body["data"]):
            w = "%s: data[%d]" % (where, k)
            group = row.get("groupBy") if isinstance(row, dict) else None
            if not isinstance(row, dict) or not isinstance(group or {}, dict):
                raise InputFormatError("%s is not a row {\"value\", \"windowStart\", \"windowEnd\", \"groupBy\"}" % w)
            values = dict(group or {})
            values["subject"] = row.get("subject")
            if not str(values.get("type") or "").strip():
                raise InputFormatError("%s: groupBy has no type; query the meter grouped by type (input/output)" % w)
            start = epoch_ms(row.get("windowStart"), "windowStart", w) // 1000
            end = epoch_ms(row.get("windowEnd"), "windowEnd", w) // 1000
            groups.add(w, start, end, values["type"], row.get("value"), values)
