"""Every report's figures on a fixed simulated data set, pinned by hash.

A refactor must leave every figure byte-identical; a change that moves a figure on purpose updates the pins below
in the same commit and says why. The pins hash each analyzer's "metrics" and "recommendations" (the document
minus when and where it was generated), so a failure names the analyzer whose figures moved.
"""
import hashlib
import json
import unittest

from analyzers import runner
from analyzers.registry import IDS
from pricing.catalog import load_catalog
from simulator.core import AICallSimulator

from naive import TempDir

PINNED = {  # as computed before the structure refactor (issue 14) and unchanged by it; performance then gained
    # list_cost_per_1k_tokens_usd and paid_vs_list_pct per model (--prices reaches it), every other figure equal
    "alignment": "7d62b47666fc0306",
    "features": "1e118d1205393680",
    "optimization": "b38ef5024fb85d7d",
    "performance": "9f3704c158cbafec",
    "pricing": "0a4deb9cfd5609bf",
    "profitability": "fd23ad65e454f255",
    "realtime": "828beedf0d03de6b",
    "understanding": "b81eeb462f59718d",
}


def figures_hash(doc) -> str:
    text = json.dumps({"metrics": doc["metrics"], "recommendations": doc["recommendations"]}, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class PinnedFigures(TempDir):
    def test_figures_are_unchanged(self):
        path = self.path("calls.csv")
        AICallSimulator(num_customers=20, num_days=9, seed=5).write_csv(path)
        result, _, _ = runner.analyze_file(path, 1)
        rendered = runner.render_reports(result, IDS, {}, load_catalog(), "calls.csv", 1, "2026-01-01T00:00:00Z")
        got = {doc["analyzer"]: figures_hash(doc) for doc, _, _ in rendered}
        moved = sorted(a for a in IDS if got.get(a) != PINNED.get(a))
        self.assertEqual(moved, [], "figures moved in %s; if on purpose, pin: %s" % (
            ", ".join(moved), json.dumps(got, indent=1, sort_keys=True)))


if __name__ == "__main__":
    unittest.main()
