"""A submission with a common mistake: the predictions lack the ``id`` column.

Holdout runs it, then refuses the predictions and says exactly what is missing."""

from pathlib import Path

import pandas as pd

features = pd.read_csv("/code_execution/data/features.csv")
predictions = pd.DataFrame({"label": [0] * len(features)})
predictions.to_csv(Path("/code_execution/submission/submission.csv"), index=False)
