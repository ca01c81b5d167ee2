"""ROC AUC by ranks (ties get their average rank), on the public and the private rows.

labels.csv: id, target (0/1)[, Usage]; predictions.csv: id, target (a probability).
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd

CODE = Path(__file__).resolve().parent.parent  # /code_execution in the sandbox


def roc_auc(truth: np.ndarray, score: np.ndarray) -> float:
    order = np.argsort(score, kind="mergesort")
    ordered = score[order]
    first = np.r_[True, ordered[1:] != ordered[:-1]]
    starts = np.flatnonzero(first)
    counts = np.diff(np.r_[starts, len(score)])
    ranks = np.empty(len(score))
    ranks[order] = np.repeat(starts + (counts + 1) / 2, counts)
    positives = int(truth.sum())
    negatives = len(truth) - positives
    return float((ranks[truth == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def main() -> None:
    labels = pd.read_csv(CODE / "data" / "labels.csv", dtype={"id": str})
    predictions = pd.read_csv(CODE / "data" / "predictions.csv", dtype={"id": str})
    # the rows of the predictions in the order of the labels
    score = predictions.set_index("id")["target"].reindex(labels["id"]).to_numpy(dtype=float)
    truth = labels["target"].to_numpy()
    usage = labels["Usage"].to_numpy() if "Usage" in labels else np.full(len(labels), "Public")
    scores = {}
    for part, name in (("public", "Public"), ("private", "Private")):
        rows = usage == name
        scores[part] = {"roc_auc": roc_auc(truth[rows], score[rows])} if rows.any() else None
    (CODE / "submission" / "scores.json").write_text(json.dumps(scores))


if __name__ == "__main__":
    main()
