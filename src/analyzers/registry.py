"""The analyzers in report order: id, category, module and class. The one list every tool reads."""
import importlib
from typing import List, Sequence, Type

from analyzers.engine.base import CATEGORY_TITLES  # noqa: F401  (the viewer and the summary read it from here)

ANALYZERS = (
    ("understanding", "finops", "analyzers.finops.understanding", "UnderstandingAnalyzer"),
    ("performance", "finops", "analyzers.finops.performance", "PerformanceAnalyzer"),
    ("realtime", "finops", "analyzers.finops.realtime", "RealtimeAnalyzer"),
    ("optimization", "finops", "analyzers.finops.optimization", "OptimizationAnalyzer"),
    ("alignment", "finops", "analyzers.finops.alignment", "AlignmentAnalyzer"),
    ("profitability", "ubr", "analyzers.ubr.profitability", "ProfitabilityAnalyzer"),
    ("pricing", "ubr", "analyzers.ubr.pricing", "PricingAnalyzer"),
    ("features", "ubr", "analyzers.ubr.features", "FeaturesAnalyzer"),
)
IDS = tuple(a[0] for a in ANALYZERS)


def analyzer_class(analyzer_id: str) -> Type:
    """The class of one analyzer by id."""
    for aid, _, module, cls in ANALYZERS:
        if aid == analyzer_id:
            return getattr(importlib.import_module(module), cls)
    raise KeyError(analyzer_id)


def analyzer_classes(ids: Sequence[str] = IDS) -> List[Type]:
    return [analyzer_class(i) for i in ids]
