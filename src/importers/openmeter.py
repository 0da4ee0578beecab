"""OpenMeter-style metering CSV: window_start, window_end, subject, model, type (input | output), value.

Two rows per window per subject per model (one per token type) become one call with both token counts, priced
from the catalog. Optional columns named like ours (provider, organization_id, product_id, feature_id,
task_type, subscription_tier, environment) are kept and distinguish calls. A row repeating an earlier one
exactly (an overlapping page) is skipped; rows with the same key but other values are added up.
"""
from collections import OrderedDict

from importers.common import Import, count, epoch_ms, read_csv, short_hash

NOTES = ("Metering windows count tokens, not requests: each window x subject x model became one call, so call "
         "counts, per-call token sizes and latency are not real.")
REQUIRED = ("window_start", "window_end", "subject", "model", "type", "value")
EXTRA = ("provider", "organization_id", "product_id", "feature_id", "task_type", "subscription_tier", "environment")
TYPES = {"input": 0, "prompt": 0, "input_tokens": 0, "output": 1, "completion": 1, "output_tokens": 1}


def read(path: str, imp: Import) -> None:
    groups = OrderedDict()  # type: Dict[Tuple, List[int]]
    for line_no, row in read_csv(path, REQUIRED):
        where = "%s line %d" % (path, line_no)
        imp.records += 1
        kind = row["type"].strip().lower()
        if kind not in TYPES:
            imp.ignored["rows of type other than input/output (e.g. %s)" % kind] += 1
            continue
        value = count(row["value"], "value", where, None)
        start = epoch_ms(row["window_start"], "window_start", where) // 1000
        end = epoch_ms(row["window_end"], "window_end", where) // 1000
        key = (start, end, row["subject"].strip(), row["model"].strip()) + tuple(row.get(c, "").strip() for c in EXTRA)
        if imp.seen(("openmeter",) + key + (kind, value)):
            continue
        groups.setdefault(key, [0, 0])[TYPES[kind]] += value
    for key, (inp, out) in groups.items():
        start, end, subject, model = key[:4]
        fields = dict(zip(EXTRA, key[4:]))
        fields["model"] = model
        if not fields["provider"] and model:
            e = imp.catalog.find_model(model)
            fields["provider"] = e.provider if e else ""
        imp.begin()
        fields["customer_id"] = imp.pick("customer_id", [("subject", subject)])
        imp.add_bucket(start, end, 1, inp, 0, 0, out, fields, "openmeter-%d-%s" % (start, short_hash(key)))
