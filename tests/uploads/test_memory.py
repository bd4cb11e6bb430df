"""Refusing decompression and archive bombs keeps memory bounded: measured in a process of its
own (peak resident set growth), with a control that decodes for real."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT_MB = 50


def _run(mode: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "tests.uploads.refuse_bombs", mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_refusing_bombs_grows_peak_memory_by_less_than_50_mb():
    refused = _run("refuse")
    control = _run("control")
    print(
        f"\nBOMBS refused: {refused['refused']}/{refused['files']} in {refused['seconds']} s, "
        f"peak RSS growth {refused['peak_growth_mb']} MB (Python allocations peak "
        f"{refused['python_peak_mb']} MB); control decoding 64 MP: "
        f"{control['peak_growth_mb']} MB"
    )
    assert refused["refused"] == refused["files"] >= 8
    assert refused["peak_growth_mb"] < LIMIT_MB
    # The measure sees a real decode: 64 megapixels of one byte each.
    assert control["peak_growth_mb"] > LIMIT_MB
