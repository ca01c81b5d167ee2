"""Helpers shared by the benchmarks: percentiles, the results file, the report."""

from __future__ import annotations

import json
import platform
import statistics
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results" / "latest.json"
REPORT = ROOT.parent / "BENCHMARKS.md"


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p99": percentile(values, 99),
        "mean": statistics.fmean(values),
    }


def machine() -> dict[str, Any]:
    import os

    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def record(key: str, result: dict[str, Any]) -> None:
    data: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data[key] = result
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    write_report(data)


def write_report(data: dict[str, Any]) -> None:
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench`) from `bench/results/latest.json`;",
        "each measure runs side by side with its baseline in one run, on the machine named below.",
        "",
        "| id | measure | value | p99 | goal | met | Holdout | baseline | machine |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key in sorted(data):
        r = data[key]
        m = r.get("machine", {})
        lines.append(
            f"| {key} | {r.get('measure', '')} | {r['value']:.3f} | "
            f"{r['p99']:.3f} | {r['goal']} | {'yes' if r.get('met') else 'no'} | "
            f"{r.get('holdout_text', '')} | {r.get('baseline_text', '')} | "
            f"{m.get('cpus', '?')} CPUs, {m.get('at', '')} |"
        )
    lines += ["", "How each is measured:", ""]
    for key in sorted(data):
        lines.append(f"- **{key}**: {data[key].get('method', '')}")
    REPORT.write_text("\n".join(lines) + "\n")
