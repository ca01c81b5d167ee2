"""P4: scoring a 5-million-row predictions file against reading it with pyarrow and numpy.

Holdout = what the scorer does with a run's output: the predictions bytes read, every
validation check, alignment by id with the labels, then the metric (ROC AUC,
scikit-learn) on the public and on the private rows. Baseline = the same predictions
file read with ``pyarrow.csv`` and ROC AUC computed with numpy (rank sum, ties
averaged) on both subsets, trusting the rows to be aligned and valid. On both sides
the labels (5 million rows too) are loaded before the clock starts, as the scorer
does once per competition (its consumer caches the parsed labels); that load is
timed separately (goal: within 2x of pyarrow's). Each side runs in its own subprocess,
alternating, so that each one's peak RSS is its own (its ``VmHWM``, labels included; not
``wait4``'s, which a child inherits from the bench process it was forked from); time is
measured inside the subprocess, after imports (a running scorer has them loaded).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import machine

ROWS = 5_000_000
GOAL_TIME = 1.5
GOAL_MEMORY = 2.0
GOAL_LABELS = 2.0


def write_files(work: Path, rows: int) -> tuple[Path, Path]:
    rng = np.random.default_rng(4)
    truth = rng.integers(0, 2, rows)
    # an informative model: the positive rows score higher on average
    probs = np.clip(rng.normal(0.35 + 0.3 * truth, 0.2), 0, 1)
    usage = np.where(rng.random(rows) < 0.3, "Public", "Private")
    ids = np.char.add("test_", np.arange(rows).astype(str))
    labels, predictions = work / "labels.csv", work / "predictions.csv"
    chunk = 500_000
    with labels.open("w") as fl, predictions.open("w") as fp:
        fl.write("id,target,Usage\n")
        fp.write("id,target\n")
        for start in range(0, rows, chunk):
            end = min(rows, start + chunk)
            fl.write(
                "\n".join(
                    f"{i},{t},{u}"
                    for i, t, u in zip(ids[start:end], truth[start:end], usage[start:end], strict=True)
                )
                + "\n"
            )
            fp.write(
                "\n".join(f"{i},{p:.6f}" for i, p in zip(ids[start:end], probs[start:end], strict=True))
                + "\n"
            )
    return predictions, labels


def holdout(predictions: Path, labels: Path) -> dict[str, Any]:
    from services.scorer.scoring import prepare, score_prepared
    from shared.events import ScoringSpec

    spec = ScoringSpec(metric="roc_auc", id_column="id", target_columns=["target"], labels_key="x")
    t0 = time.perf_counter()
    prepared = prepare(labels.read_bytes(), spec)  # once per competition: the consumer caches it
    t1 = time.perf_counter()
    result = score_prepared(predictions.read_bytes(), prepared)
    t2 = time.perf_counter()
    return {
        "seconds": t2 - t1,
        "labels_seconds": t1 - t0,
        "public": result.public_score,
        "private": result.private_score,
    }


def _auc(y: np.ndarray, s: np.ndarray) -> float:
    order = np.argsort(s, kind="mergesort")
    ordered = s[order]
    first = np.r_[True, ordered[1:] != ordered[:-1]]
    starts = np.flatnonzero(first)
    counts = np.diff(np.r_[starts, len(s)])
    average_rank = starts + (counts + 1) / 2
    ranks = np.empty(len(s))
    ranks[order] = np.repeat(average_rank, counts)
    positives = int(y.sum())
    negatives = len(y) - positives
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def baseline(predictions: Path, labels: Path) -> dict[str, Any]:
    import pyarrow.compute as pc
    from pyarrow import csv

    t0 = time.perf_counter()
    lab = csv.read_csv(labels)
    truth = lab["target"].to_numpy()
    public = pc.equal(lab["Usage"], "Public").to_numpy(zero_copy_only=False)
    t1 = time.perf_counter()
    score = csv.read_csv(predictions)["target"].to_numpy()
    result = {"public": _auc(truth[public], score[public]), "private": _auc(truth[~public], score[~public])}
    t2 = time.perf_counter()
    return {"seconds": t2 - t1, "labels_seconds": t1 - t0, **result}


def measure(side: str, predictions: Path, labels: Path) -> dict[str, Any]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.p4_scoring", side, str(predictions), str(labels)],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, _ = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{side} exited with {proc.returncode}")
    return dict(json.loads(out))


def peak_rss_mb() -> float:
    """This process's peak RSS since it started its program (``VmHWM``, reset by exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


async def run(rows: int = ROWS, repeats: int = 3) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="holdout-bench-p4-"))
    try:
        predictions, labels = write_files(work, rows)
        runs: dict[str, list[dict[str, Any]]] = {"holdout": [], "baseline": []}
        for _ in range(repeats):
            for side in ("holdout", "baseline"):
                runs[side].append(measure(side, predictions, labels))
        size_mb = (predictions.stat().st_size + labels.stat().st_size) / 2**20
    finally:
        if not os.environ.get("HOLDOUT_BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
    h, b = runs["holdout"][0], runs["baseline"][0]
    if abs(h["public"] - b["public"]) > 1e-9 or abs(h["private"] - b["private"]) > 1e-9:
        raise RuntimeError(f"the two sides disagree: {h} vs {b}")
    h_time = statistics.median(r["seconds"] for r in runs["holdout"])
    b_time = statistics.median(r["seconds"] for r in runs["baseline"])
    h_mem = max(r["peak_rss_mb"] for r in runs["holdout"])
    b_mem = max(r["peak_rss_mb"] for r in runs["baseline"])
    h_labels = statistics.median(r["labels_seconds"] for r in runs["holdout"])
    b_labels = statistics.median(r["labels_seconds"] for r in runs["baseline"])
    # the goal holds in every run: each run of Holdout against the baseline run beside it
    pairs = list(zip(runs["holdout"], runs["baseline"], strict=True))
    time_ratios = [h["seconds"] / b["seconds"] for h, b in pairs]
    memory_ratios = [h["peak_rss_mb"] / b["peak_rss_mb"] for h, b in pairs]
    labels_ratio = h_labels / b_labels
    time_ratio, memory_ratio = h_time / b_time, max(memory_ratios)
    return {
        "measure": f"scoring a {rows:,}-row predictions file (validation + ROC AUC on both subsets), "
        "time / pyarrow+numpy",
        "value": time_ratio,
        "p99": memory_ratio,
        "goal": f"time <= {GOAL_TIME}x and peak memory <= {GOAL_MEMORY}x in every run (p99 column: the "
        f"worst run's memory ratio); labels parse <= {GOAL_LABELS}x",
        "met": max(time_ratios) <= GOAL_TIME and memory_ratio <= GOAL_MEMORY and labels_ratio <= GOAL_LABELS,
        "time_ratios": time_ratios,
        "memory_ratios": memory_ratios,
        "labels_parse_s": h_labels,
        "labels_parse_baseline_s": b_labels,
        "labels_ratio": labels_ratio,
        "holdout": {"runs": runs["holdout"], "median_seconds": h_time, "peak_rss_mb": h_mem},
        "baseline": {"runs": runs["baseline"], "median_seconds": b_time, "peak_rss_mb": b_mem},
        "holdout_text": f"{h_time:.2f} s, peak RSS {h_mem:.0f} MB, labels parse {h_labels:.2f} s "
        f"(worst run {max(time_ratios):.2f}x time, {memory_ratio:.2f}x memory; labels {labels_ratio:.2f}x)",
        "baseline_text": f"{b_time:.2f} s, peak RSS {b_mem:.0f} MB, labels parse {b_labels:.2f} s",
        "method": (
            f"{rows:,}-row predictions and labels CSVs ({size_mb:.0f} MB together, 30% public), "
            f"{repeats} runs of each side alternating, each in its own subprocess: "
            "`services.scorer.scoring.score_prepared` on the file's bytes (the scorer's path after "
            "storage, labels parsed beforehand by `prepare`) vs pyarrow.csv.read_csv + a numpy rank-sum "
            "ROC AUC (labels read beforehand); both give the same scores. "
            "value = median time ratio (timed after imports), p99 column = the worst run's peak RSS "
            "ratio (VmHWM, imports included); time_ratios/memory_ratios: each run against the "
            "baseline run beside it (the goal: all of them). labels_parse_s: `prepare` on the labels' "
            "bytes vs labels_parse_baseline_s: pyarrow.csv.read_csv of the file and its two columns as "
            "numpy (medians)."
        ),
        "machine": machine(),
    }


if __name__ == "__main__":
    side, pred_path, label_path = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    result = (holdout if side == "holdout" else baseline)(pred_path, label_path)
    print(json.dumps({**result, "peak_rss_mb": peak_rss_mb()}))
