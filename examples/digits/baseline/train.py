"""Train at home: fit a weak baseline (a depth-3 decision tree) and save it by main.py."""

import argparse
from pathlib import Path

import joblib
import pandas as pd
from sklearn.tree import DecisionTreeClassifier

parser = argparse.ArgumentParser()
parser.add_argument("--train", type=Path, required=True)
parser.add_argument("--out", type=Path, required=True)
args = parser.parse_args()

train = pd.read_csv(args.train)
features = [c for c in train.columns if c.startswith("p")]
model = DecisionTreeClassifier(max_depth=3, random_state=0).fit(
    train[features].to_numpy(), train["label"].to_numpy()
)
joblib.dump(model, args.out / "model.joblib")
