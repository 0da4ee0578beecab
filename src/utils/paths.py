"""Default locations, resolved from this file so that commands work from any current directory."""
import os

SRC_DIR = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
REPO_DIR = os.path.dirname(SRC_DIR)
DATA_DIR = os.path.join(SRC_DIR, "data")
DEFAULT_DATA = os.path.join(DATA_DIR, "simulated_calls.csv")
DEFAULT_REPORTS = os.path.join(SRC_DIR, "reports")

# The command a user runs to create the default data file (quoted in "file not found" messages).
GENERATE_COMMAND = "python3 src/simulator/core.py"
