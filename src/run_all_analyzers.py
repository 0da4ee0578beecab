#!/usr/bin/env python3
"""Read the AI-call CSV once and write all eight reports (JSON + HTML), the executive summary and the manifest.

    python3 src/run_all_analyzers.py [--data src/data/simulated_calls.csv] [--out src/reports]
                                     [--workers N] [--incremental] [analyzer options, see --help]

Outputs: OUT/json/<id>.json (the figures), OUT/html/<id>.html (the reports), OUT/html/index.html (executive
summary), OUT/html/manifest.json (what the viewer polls). See specs/architecture.md and specs/analyzers.md.
"""
import sys

from analyzers.command import main
from utils.cli import run_main

if __name__ == "__main__":
    sys.exit(run_main(main))
