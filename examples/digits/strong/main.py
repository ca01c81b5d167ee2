"""Inference inside Holdout: load the model trained at home, predict the test digits."""

from pathlib import Path

import joblib
import pandas as pd

DATA = Path("/code_execution/data/features.csv")
OUT = Path("/code_execution/submission/submission.csv")

model = joblib.load(Path(__file__).with_name("model.joblib"))
features = pd.read_csv(DATA)
pixels = features[[c for c in features.columns if c.startswith("p")]].to_numpy()
pd.DataFrame({"id": features["id"], "label": model.predict(pixels)}).to_csv(OUT, index=False)
print(f"predicted {len(features)} digits")
