"""Runs a fuzz module in a child pytest with a database of its own: fuzzing writes freely, other tests never see it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CHILD_ENV = "GEMS_FUZZ_CHILD"
ROOT = Path(__file__).resolve().parents[2]


def in_child() -> bool:
    return os.environ.get(CHILD_ENV) == "1"


def run_in_child(test_file: str, timeout: int = 240) -> str:
    """Run `test_file` in a fresh interpreter (fresh in-memory SQLite, or a fresh PostgreSQL schema); fail with its
    output if any of its tests failed."""
    env = {**os.environ, CHILD_ENV: "1"}
    env.pop("GEMS_TEST_SCHEMA", None)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-s", str(Path(test_file).resolve())]
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    output = proc.stdout[-12000:] + proc.stderr[-4000:]
    assert proc.returncode == 0, output
    return output
