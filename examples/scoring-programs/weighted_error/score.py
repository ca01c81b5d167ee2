"""Weighted mean absolute error, on the public and on the private rows.

labels.csv: id, target, weight[, Usage]; predictions.csv: id, target.
"""

import csv
import json
from pathlib import Path

CODE = Path(__file__).resolve().parent.parent  # /code_execution in the sandbox


def main() -> None:
    with (CODE / "data" / "predictions.csv").open(newline="") as f:
        predicted = {row["id"]: float(row["target"]) for row in csv.DictReader(f)}
    sums = {"Public": [0.0, 0.0], "Private": [0.0, 0.0]}
    with (CODE / "data" / "labels.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            part = sums[row.get("Usage") or "Public"]
            weight = float(row["weight"])
            part[0] += weight * abs(float(row["target"]) - predicted[row["id"]])
            part[1] += weight

    def error(part: list[float]) -> dict[str, float] | None:
        return {"weighted_error": part[0] / part[1]} if part[1] else None

    scores = {"public": error(sums["Public"]), "private": error(sums["Private"])}
    (CODE / "submission" / "scores.json").write_text(json.dumps(scores))


if __name__ == "__main__":
    main()
