"""The benchmark runs (on tiny inputs: timing belongs to `make bench`, not to the tests)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow


def test_benchmark_runs_and_reports_every_measurement(tmp_path):
    output = tmp_path / "results.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--output", str(output)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(output.read_text(encoding="utf-8"))
    names = [m["name"] for m in report["results"]]
    assert names[:5] == [
        "1 naive: one soffice per file",
        "2 floor: LibreOffice batch, 2 processes" if report["machine"]["cores"] == "2" else names[1],
        "3 agreement-gen cold build (render+PDF+fields+manifest)",
        "4a no-op rebuild",
        "4b rebuild after one district changed",
    ]
    assert sum("5 scale" in name for name in names) == 4
    assert names[-1] == "6 sign: 3 documents in one batch (PKCS#12, PAdES B-B)"
    for measurement in report["results"]:
        assert measurement["wall_s"] > 0 and measurement["cpu_s"] >= 0 and measurement["peak_mb"] > 0
    assert set(report["ratios"]) == {"naive_over_full (target >= 8)", "full_over_floor (target <= 1.3)"}
    assert "measurement" in result.stdout and "docs/s" in result.stdout
