"""The demo competition's data: scikit-learn's bundled handwritten digits, split into
what participants get (train) and what only Holdout sees (test features, labels)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_digits

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "digits"

COMPETITION = {
    "slug": "digits",
    "title": "Handwritten digits",
    "description": "Recognise 8x8 handwritten digits. Predict `label` (0-9) for every `id`.",
    "rules": "One account per person. Train only on `train.csv`; never label the test data by hand.",
    "metric": "accuracy",
    "id_column": "id",
    "target_columns": ["label"],
    "limits": {"time_limit_s": 120, "memory_mb": 1024, "cpus": 1.0},
    "daily_quota": 20,
}


@dataclass(frozen=True)
class DigitsData:
    train: Path
    features: Path
    labels: Path


@dataclass(frozen=True)
class SmokeSample:
    features: Path
    labels: Path


def build_dataset(out: Path, *, test_fraction: float = 0.45, seed: int = 7) -> DigitsData:
    """Write train.csv, features.csv (test, no labels) and labels.csv (with Usage)."""
    out.mkdir(parents=True, exist_ok=True)
    digits = load_digits()
    n = len(digits.target)
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    n_test = int(n * test_fraction)
    test, train = order[:n_test], order[n_test:]
    pixels = pd.DataFrame(digits.data.astype(int), columns=[f"p{i}" for i in range(64)])
    ids = pd.Series([f"d{i:05d}" for i in range(n)], name="id")
    frame = pd.concat([ids, pixels], axis=1)
    frame.iloc[train].assign(label=digits.target[train]).to_csv(out / "train.csv", index=False)
    frame.iloc[test].to_csv(out / "features.csv", index=False)
    usage = np.where(np.arange(n_test) % 2 == 0, "Public", "Private")
    pd.DataFrame({"id": ids.iloc[test].to_numpy(), "label": digits.target[test], "Usage": usage}).to_csv(
        out / "labels.csv", index=False
    )
    return DigitsData(out / "train.csv", out / "features.csv", out / "labels.csv")


def build_smoke_sample(data: DigitsData, out: Path, rows: int = 60) -> SmokeSample:
    """The first ``rows`` test rows with their labels (no Usage): what smoke runs use."""
    # its own folder: the features keep the test data's name, which the examples read
    out = out / "smoke"
    out.mkdir(parents=True, exist_ok=True)
    features, labels = out / "features.csv", out / "labels.csv"
    pd.read_csv(data.features).head(rows).to_csv(features, index=False)
    pd.read_csv(data.labels).head(rows).drop(columns=["Usage"]).to_csv(labels, index=False)
    return SmokeSample(features, labels)


def build_example(name: str, data: DigitsData, out: Path) -> Path:
    """Train the example at home (if it has a train.py) and zip it as a participant would."""
    src = EXAMPLES / name
    work = out / name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shutil.copy(src / "main.py", work / "main.py")
    if (src / "train.py").exists():
        subprocess.run(
            [sys.executable, str(src / "train.py"), "--train", str(data.train), "--out", str(work)],
            check=True,
        )
    archive = out / f"{name}.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(work.iterdir()):
            zf.write(path, path.name)
    return archive
