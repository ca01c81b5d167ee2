"""A smoke submission for a runtime image, as CI runs it (``deploy/ci/runtime_smoke.sh``).

``prepare DIR`` writes what a run sees under the execution contract: the digits example
``strong`` trained here and unpacked into ``DIR/src``, the smoke sample's features in
``DIR/data``, an empty ``DIR/submission``, and the smoke labels beside them. The script
then runs ``python main.py`` in the image as the run user, without network, on a
read-only root; ``check DIR`` scores what it wrote (accuracy on the smoke labels) and
fails unless the predictions are complete and the model did what it does at home.
"""

from __future__ import annotations

import sys
import tempfile
import zipfile
from pathlib import Path

import pandas as pd

from holdout.digits import build_dataset, build_example, build_smoke_sample

EXAMPLE = "strong"
MIN_ACCURACY = 0.9
"""The ``strong`` example scores about 0.99; far below means the runtime broke the model."""


def prepare(work: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="holdout-smoke-") as tmp:
        data = build_dataset(Path(tmp) / "data")
        smoke = build_smoke_sample(data, work)
        archive = build_example(EXAMPLE, data, Path(tmp) / "examples")
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(work / "src")
    (work / "data").mkdir(exist_ok=True)
    smoke.features.rename(work / "data" / "features.csv")
    smoke.labels.rename(work / "labels.csv")
    (work / "smoke").rmdir()
    (work / "submission").mkdir()
    (work / "submission").chmod(0o777)


def check(work: Path) -> str:
    """What the smoke run scored; ``ValueError`` saying what is wrong with its predictions."""
    predictions = work / "submission" / "submission.csv"
    if not predictions.is_file():
        raise ValueError(f"the smoke run wrote no {predictions}")
    labels = pd.read_csv(work / "labels.csv")
    got = pd.read_csv(predictions)
    if list(got.columns) != ["id", "label"]:
        raise ValueError(f"expected the columns id,label, got {','.join(map(str, got.columns))}")
    merged = labels.merge(got, on="id", how="left", suffixes=("", "_predicted"))
    if merged["label_predicted"].isna().any() or len(got) != len(labels):
        raise ValueError(f"expected one prediction for each of the {len(labels)} smoke rows, got {len(got)}")
    accuracy = float((merged["label"] == merged["label_predicted"]).mean())
    if accuracy < MIN_ACCURACY:
        raise ValueError(f"accuracy {accuracy:.3f} on the smoke sample, expected at least {MIN_ACCURACY}")
    return f"smoke submission passed: {len(got)} predictions, accuracy {accuracy:.3f}"


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("prepare", "check"):
        print("usage: python -m holdout.runtime_smoke prepare|check DIR", file=sys.stderr)
        return 2
    work = Path(argv[1])
    if argv[0] == "prepare":
        work.mkdir(parents=True, exist_ok=True)
        prepare(work)
        print(f"smoke submission prepared in {work}")
        return 0
    try:
        print(check(work))
    except ValueError as exc:
        print(f"smoke submission failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
