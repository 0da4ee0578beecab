"""Every command answers --help, and its documentation and its --help agree (as sqlite-utils tests its docs).

- Every script with a `__main__` guard in src/, viewer/ and showcase/ runs `--help`: exit 0, a usage line, no
  traceback.
- Every flag the documentation shows next to a command (README.md, QUICKSTART.md, specs/*.md, src/README.md)
  exists in that command's --help: the docs never promise an option the command lacks.
- Every option a command's --help lists is documented somewhere in those files: no undocumented option.
"""
import glob
import os
import re
import unittest

from naive import ROOT, run_py

DOCS = ["README.md", "QUICKSTART.md", os.path.join("src", "README.md")] + sorted(
    os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, "specs", "*.md")))
FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*)")


def commands():
    """Relative paths of every runnable script (a `__main__` guard), tests excluded."""
    found = []
    for top in ("src", "viewer", "showcase"):
        for path in glob.glob(os.path.join(ROOT, top, "**", "*.py"), recursive=True):
            rel = os.path.relpath(path, ROOT)
            if "tests" in rel.split(os.sep) or os.path.basename(rel).startswith("_"):
                continue
            with open(path, encoding="utf-8") as f:
                if 'if __name__ == "__main__":' in f.read():
                    found.append(rel)
    return sorted(found)


def help_text(rel):
    return run_py([os.path.join(ROOT, rel), "--help"], cwd=ROOT, timeout=60)


def docs_text():
    out = {}
    for rel in DOCS:
        path = os.path.join(ROOT, rel)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                out[rel] = f.read()
    return out


def documented_flags(script, docs):
    """{flag: where} for the flags the docs write on the same line as the script's file name."""
    name = os.path.basename(script)
    flags = {}
    for rel, text in docs.items():
        for n, line in enumerate(text.splitlines(), 1):
            for m in re.finditer(r"(?<![\w.])%s\b" % re.escape(name), line):
                # the command's own words: up to a closing backtick, a comment, a table cell or another script
                words = re.split(r"`|\s#|\||\b\w+\.py\b", line[m.end():])[0]
                for flag in FLAG.findall(words):
                    flags.setdefault(flag, "%s:%d" % (rel, n))
    return flags


class Commands(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.scripts = commands()
        cls.helps = {s: help_text(s) for s in cls.scripts}
        cls.docs = docs_text()

    def test_found_the_commands(self):
        for s in ("src/run_all_analyzers.py", "src/simulator/core.py", "src/import_usage.py", "src/export_focus.py",
                  "src/bench.py", "viewer/serve.py", "src/analyzers/finops/realtime.py"):
            self.assertIn(s, self.scripts)

    def test_every_command_answers_help(self):
        for s, p in self.helps.items():
            self.assertEqual(p.returncode, 0, "%s --help: %s" % (s, p.stderr[-300:]))
            self.assertIn("usage:", p.stdout.lower(), s)
            self.assertNotIn("Traceback", p.stderr, s)

    def test_documented_flags_exist(self):
        missing = []
        for s, p in self.helps.items():
            for flag, where in sorted(documented_flags(s, self.docs).items()):
                if flag not in p.stdout:
                    missing.append("%s %s (documented at %s)" % (s, flag, where))
        self.assertEqual(missing, [], "the docs show options the command does not have")

    def test_every_option_is_documented(self):
        text = "\n".join(self.docs.values())
        undocumented = []
        for s, p in self.helps.items():
            for flag in sorted(set(FLAG.findall(p.stdout)) - {"--help"}):
                if not re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(flag), text):
                    undocumented.append("%s %s" % (s, flag))
        self.assertEqual(undocumented, [], "options no document mentions")


if __name__ == "__main__":
    unittest.main()
