"""Runs the FinOps Foundation's FOCUS validator (the `focus-validator` package, in a venv of its own) on an export
and reads its verdict. Test and CI tooling only, shared by test_focus_export.py and .ci/focus-validate; the product
never needs it.

The validator needs a recent Python (3.13 works) and is pinned, because KNOWN_DEFECTS is about this version:

    PYENV_VERSION=3.13.0 python3 -m venv DIR
    DIR/bin/pip install focus-validator==2.2.1 "pyarrow<20"
    FOCUS_VALIDATOR_VENV=DIR python3 test_workflow.py focus     # or .ci/focus-validate, which does all of it
"""
import glob
import os
import re
import subprocess
from typing import Dict, List, Optional

ENV = "FOCUS_VALIDATOR_VENV"
VERSION = "2.2.1"
PACKAGES = ["focus-validator==%s" % VERSION, "pyarrow<20"]  # newer pyarrow needs numpy 2, which it excludes
HOW_TO_INSTALL = ("FOCUS validator not available: run .ci/focus-validate, or make a venv with Python 3.13 "
                  "(`python3.13 -m venv DIR && DIR/bin/pip install %s`) and set %s=DIR"
                  % (" ".join('"%s"' % p for p in PACKAGES), ENV))
# What our data honestly has: public list prices per token, unit pricing, measured usage, tags, organizations as
# sub accounts, a named billing account. No commitments, reservations, regions or negotiated prices.
CLAIMS = ("PUBLIC_PRICE_LIST_SUPPORTED,UNIT_PRICING_SUPPORTED,USAGE_MEASUREMENT_SUPPORTED,TAGGING_SUPPORTED,"
          "SUB_ACCOUNT_SUPPORTED,ACCOUNT_NAMING_SUPPORTED")
# Failures of the validator itself, each allowed only while the rule named by `unless_failed` passes.
KNOWN_DEFECTS = {
    "InvoiceId-C-005-C": {
        "unless_failed": "InvoiceId-C-003-C",
        "why": "InvoiceId-C-003-C passes when one of C-004-C (null without an invoice) or C-005-C (not null with "
               "one) holds; focus-validator 2.2.1 also reports the alternative that does not apply as failed, so "
               "no file with rows passes both. Our rows have no invoice: InvoiceId is null, C-003-C and C-004-C "
               "pass.",
    },
}
_SUMMARY = re.compile(r"Total: (\d+) \| Pass: (\d+) \| Fail: (\d+)")
_STATUS = re.compile(r"^\S*\s*(\S+): (PASS|FAIL|SKIPPED)\b", re.M)


class Verdict(object):
    """The validator's summary and the status of each rule."""

    def __init__(self, text: str) -> None:
        self.text = text
        m = _SUMMARY.search(text)
        self.total, self.passed, self.failed = (int(g) for g in m.groups()) if m else (0, 0, -1)
        self.status = {rule: status for rule, status in _STATUS.findall(text)}  # type: Dict[str, str]

    @property
    def summary(self) -> str:
        if self.failed < 0:
            return "no summary: %s" % ((self.text.strip().splitlines() or ["(no output)"])[-1][:200])
        return "Total: %d | Pass: %d | Fail: %d" % (self.total, self.passed, self.failed)

    def failures(self) -> List[str]:
        return sorted(r for r, s in self.status.items() if s == "FAIL")

    def unexpected(self) -> List[str]:
        """Failed rules that no known defect of the validator explains ("no summary" when it printed none)."""
        if self.failed < 0:
            return ["no summary"]
        return [r for r in self.failures()
                if r not in KNOWN_DEFECTS or self.status.get(KNOWN_DEFECTS[r]["unless_failed"]) != "PASS"]


def venv_from_env() -> Optional[str]:
    """The validator's venv named by $FOCUS_VALIDATOR_VENV, when it holds the validator."""
    venv = os.environ.get(ENV, "")
    return venv if venv and os.path.exists(os.path.join(venv, "bin", "focus-validator")) else None


def validate(venv: str, csv_path: str, criteria: Optional[str] = None, timeout: int = 600) -> Verdict:
    """Run the validator on `csv_path` for FOCUS 1.2, offline. It reads its rule files relative to the working
    directory, so it runs from its site-packages."""
    site = glob.glob(os.path.join(venv, "lib", "python*", "site-packages"))[0]
    args = [os.path.join(venv, "bin", "focus-validator"), "--data-file", os.path.abspath(csv_path),
            "--validate-version", "1.2", "--block-download"]
    if criteria:
        args += ["--applicability-criteria", criteria]
    p = subprocess.run(args, cwd=site, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                       universal_newlines=True, encoding="utf-8", errors="replace")
    return Verdict(p.stdout)
