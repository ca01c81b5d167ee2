"""Train at home: fit an SVM on the training split and save it next to main.py."""

import argparse
from pathlib import Path

import joblib
import pandas as pd
from sklearn.svm import SVC

parser = argparse.ArgumentParser()
parser.add_argument("--train", type=Path, required=True)
parser.add_argument("--out", type=Path, required=True)
args = parser.parse_args()

train = pd.read_csv(args.train)
features = [c for c in train.columns if c.startswith("p")]
model = SVC(gamma=0.001, C=10.0).fit(train[features].to_numpy(), train["label"].to_numpy())
joblib.dump(model, args.out / "model.joblib")
