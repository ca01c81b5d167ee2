"""Training on the platform, end to end on the embedded defaults (the real bubblewrap
sandbox): a training stage whose runs fit a scikit-learn model on the training data
inside the sandbox, then an inference stage whose runs predict the hidden test features
with the model their team trained. Only platform-trained models count here, so the
platform's score must equal the score of the same model trained and applied in this test;
a training run that writes past the model size cap fails with its own reason, and a host's
reproduction of a training run trains the same model again, byte for byte."""

from __future__ import annotations

import secrets
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sklearn.metrics import accuracy_score
from sklearn.naive_bayes import GaussianNB

from holdout.client import ApiError, HoldoutClient
from holdout.digits import COMPETITION, DigitsData
from tests.e2e.conftest import Platform, poll

pytestmark = pytest.mark.e2e

PIXELS = [f"p{i}" for i in range(64)]

TRAIN = """
import joblib
import pandas as pd
from sklearn.naive_bayes import GaussianNB

train = pd.read_csv("/code_execution/data/train.csv")
model = GaussianNB().fit(train[[f"p{i}" for i in range(64)]].to_numpy(), train["label"])
joblib.dump(model, "/code_execution/model/model.joblib")
print(f"trained on {len(train)} rows")
"""

INFER = """
import joblib
import pandas as pd

model = joblib.load("/code_execution/model/model.joblib")
features = pd.read_csv("/code_execution/data/features.csv")
labels = model.predict(features[[f"p{i}" for i in range(64)]].to_numpy())
pd.DataFrame({"id": features["id"], "label": labels}).to_csv(
    "/code_execution/submission/submission.csv", index=False
)
print(f"predicted {len(features)} rows")
"""

# 3 MiB into a model folder capped at 1 MiB
TOO_LARGE = """
with open("/code_execution/model/weights.bin", "wb") as f:
    for _ in range(3):
        f.write(b"\\0" * (1024 * 1024))
"""


def zip_of(out: Path, name: str, files: dict[str, str | bytes]) -> Path:
    archive = out / f"{name}.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for filename, content in files.items():
            zf.writestr(filename, content)
    return archive


def expected_accuracy(digits: DigitsData) -> float:
    """The same model, trained and applied here: its accuracy on the public rows."""
    train = pd.read_csv(digits.train)
    model = GaussianNB().fit(train[PIXELS].to_numpy(), train["label"])
    features = pd.read_csv(digits.features)
    predicted = pd.DataFrame({"id": features["id"], "label": model.predict(features[PIXELS].to_numpy())})
    labels = pd.read_csv(digits.labels)
    public = labels[labels["Usage"] == "Public"].merge(predicted, on="id", suffixes=("", "_pred"))
    return float(accuracy_score(public["label"], public["label_pred"]))


async def put_file(c: HoldoutClient, path: str, file: Path, content_type: str) -> Any:
    return await c._json("PUT", path, content=file.read_bytes(), headers={"Content-Type": content_type})


async def refused(call: Any) -> dict[str, Any]:
    with pytest.raises(ApiError) as caught:
        await call
    problem: dict[str, Any] = caught.value.body
    return problem


async def test_train_then_infer_with_the_trained_model(
    embedded: Platform, digits: DigitsData, tmp_path: Path
) -> None:
    p = embedded
    zips = {
        "train": zip_of(tmp_path, "train", {"main.py": TRAIN}),
        "too_large": zip_of(tmp_path, "too_large", {"main.py": TOO_LARGE}),
        "infer": zip_of(tmp_path, "infer", {"main.py": INFER}),
        "ships_model": zip_of(tmp_path, "ships_model", {"main.py": INFER, "model.joblib": b"weights"}),
    }
    async with p.client() as admin:
        host = await admin.create_user("host", is_host=True)
    async with p.client(host["token"]) as h:
        comp = await h.create_competition(
            {**COMPETITION, "slug": f"digits-{secrets.token_hex(3)}", "model_source": "platform"}
        )
        base = f"/api/v1/competitions/{comp['id']}"
        # stage 1 trains: its data is the training set (features and labels), capped models
        first = await h._json(
            "PATCH", f"{base}/stages/1", json={"kind": "training", "limits": {"model_limit_mb": 1}}
        )
        assert first["kind"] == "training" and first["limits"]["model_limit_mb"] == 1
        await h.upload_data(comp["id"], digits.train, "train.csv")
        later = datetime.now(UTC) + timedelta(hours=1)
        second = await h._json(
            "POST", f"{base}/stages", json={"name": "Inference", "opens_at": later.isoformat()}
        )
        assert second["kind"] == "inference"
        await put_file(h, f"{base}/stages/2/data/features.csv", digits.features, "application/octet-stream")
        await put_file(h, f"{base}/stages/2/labels", digits.labels, "text/csv")

    async with p.client() as admin:
        ada = await admin.create_participant("ada", comp["id"])
        linus = await admin.create_participant("linus", comp["id"])
    async with p.client(ada["token"]) as a, p.client(linus["token"]) as li:
        trained = await a.submit(comp["id"], zips["train"])
        too_large = await a.submit(comp["id"], zips["too_large"])
        done = await a.wait_terminal(trained["id"], timeout=180)
        assert done["status"] == "trained", (done, p.dump_logs())
        assert done["public_score"] is None and done["stage_position"] == 1
        assert "trained on" in await a.log(trained["id"])
        # the host asks for a reproduction of the training run: trained again, model compared
        reproductions = f"/api/v1/submissions/{trained['id']}/reproductions"
        async with p.client(host["token"]) as h:
            asked = await h._json("POST", reproductions, json={"count": 1})
        assert asked["kind"] == "training" and asked["original"]["model_sha256"], asked
        over = await a.wait_terminal(too_large["id"], timeout=180)
        assert over["status"] == "failed", (over, p.dump_logs())
        assert over["failure_reason"] == "model_too_large", over
        assert "/code_execution/model" in over["detail"] and "1 MiB" in over["detail"], over

        # the host ends the training stage and opens the inference stage a few seconds later
        async with p.client(host["token"]) as h:
            now = datetime.now(UTC)
            await h._json("PATCH", f"{base}/stages/1", json={"closes_at": now.isoformat()})
            await h._json(
                "PATCH", f"{base}/stages/2", json={"opens_at": (now + timedelta(seconds=3)).isoformat()}
            )

        async def inference_open() -> bool:
            return bool((await a._json("GET", base))["current_stage"] == 2)

        await poll(inference_open, timeout=60)

        # only platform-trained models count: no zip's own model, no run without a trained one
        shipped = await refused(a.submit(comp["id"], zips["ships_model"]))
        assert shipped["code"] == "model-files-not-allowed" and shipped["files"] == ["model.joblib"]
        untrained = await refused(li.submit(comp["id"], zips["infer"]))
        assert untrained["code"] == "no-trained-model", untrained

        inferred = await a.submit(comp["id"], zips["infer"])
        scored = await a.wait_terminal(inferred["id"], timeout=180)
        assert scored["status"] == "scored", (scored, p.dump_logs())
        # given the original's model, not the reproduction's (trained later)
        assert scored["model_from"] == trained["id"]
        assert scored["public_score"] == pytest.approx(expected_accuracy(digits), abs=1e-12)
        assert "predicted" in await a.log(inferred["id"])

        # GaussianNB on the same data in the same runtime: the same model, byte for byte
        async with p.client(host["token"]) as h:

            async def reproduced() -> dict[str, Any] | None:
                found: dict[str, Any] = await h._json("GET", reproductions)
                return None if found["verdict"] == "pending" else found

            verdict = await poll(reproduced, timeout=180)
        assert (verdict["verdict"], verdict["model_matches"]) == ("identical", True), (verdict, p.dump_logs())
        [rerun] = verdict["reruns"]
        assert rerun["status"] == "trained" and rerun["model_sha256"] == verdict["original"]["model_sha256"]
        assert rerun["model_size_bytes"] == verdict["original"]["model_size_bytes"] > 0
