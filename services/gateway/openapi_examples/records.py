"""The example records the OpenAPI examples are built from (a competition, a stage, a
submission, a team...), each once, so every schema that embeds one shows the same."""

from __future__ import annotations

from typing import Any

_COMPETITION_ID = "3f0c1a52-7a8e-4d6b-9a63-2b1f0c6d9e11"
_TEAM_ID = "8b2d7c1e-55aa-4f0e-bb1c-0d9e8f7a6b5c"
_SUBMISSION_ID = "c4e1f7a2-9b3d-4e8f-a1c2-5d6e7f8a9b0c"
_USER_ID = "1a2b3c4d-5e6f-4a8b-9c0d-e1f2a3b4c5d6"
_WHEN = "2026-12-01T10:00:00+00:00"

LIMITS: dict[str, Any] = {
    "time_limit_s": 120,
    "memory_mb": 1024,
    "cpus": 1.0,
    "max_processes": 64,
    "output_limit_mb": 100,
    "log_limit_kb": 64,
    "gpu": False,
    "max_concurrent_runs": None,
    "model_limit_mb": 512,
}
DATA_FILE: dict[str, Any] = {
    "filename": "features.csv",
    "subset": "test",
    "size_bytes": 181_230,
    "sha256": "9f2c" + "0" * 60,
    "uploaded_at": _WHEN,
}
PARTICIPANT_FILE: dict[str, Any] = {
    "filename": "train.csv",
    "kind": "training",
    "size_bytes": 220_414,
    "sha256": "41be" + "0" * 60,
    "uploaded_at": _WHEN,
}
_STAGE_ID = "6d5c4b3a-2918-4f7e-8d6c-5b4a39281706"
COLUMN: dict[str, Any] = {
    "key": "accuracy",
    "metric": "accuracy",
    "threshold": None,
    "higher_is_better": True,
    "precision": 4,
    "hidden": False,
}
STAGE_SUMMARY: dict[str, Any] = {
    "position": 1,
    "id": _COMPETITION_ID,
    "name": "Main",
    "opens_at": None,
    "closes_at": "2027-01-31T23:59:59+00:00",
    "accepts_submissions": True,
    "feed": None,
    "kind": "inference",
    "is_open": True,
    "metric": "accuracy",
    "columns": [COLUMN, {**COLUMN, "key": "f1_macro", "metric": "f1_macro"}],
}
STAGE: dict[str, Any] = {
    **STAGE_SUMMARY,
    "position": 2,
    "id": _STAGE_ID,
    "name": "Finals",
    "opens_at": "2027-02-01T00:00:00+00:00",
    "closes_at": "2027-02-08T00:00:00+00:00",
    "accepts_submissions": False,
    "feed": "finals",
    "is_open": False,
    "higher_is_better": True,
    "extra_metrics": [],
    "runtime": "default",
    "limits": LIMITS,
    "daily_quota": 5,
    "smoke_daily_quota": 10,
    "cpu_hours_budget": 20.0,
    "gpu_hours_budget": None,
    "show_logs": True,
    "has_scoring_program": False,
    "data_version": 1,
    "data_files": [DATA_FILE],
    "labels_version": 1,
    "smoke_data_version": 1,
    "smoke_data_files": [],
    "smoke_labels_version": None,
    "opened_at": None,
    "closed_at": None,
}
COMPETITION: dict[str, Any] = {
    "id": _COMPETITION_ID,
    "slug": "digits",
    "title": "Handwritten digits",
    "description": "Recognise 8x8 handwritten digits. Predict `label` (0-9) for every `id`.",
    "metric": "accuracy",
    "higher_is_better": True,
    "id_column": "id",
    "target_columns": ["label"],
    "predictions_filename": "submission.csv",
    "runtime": "default",
    "runtime_digest": "sha256:06cf" + "0" * 60,
    "limits": LIMITS,
    "daily_quota": 5,
    "smoke_daily_quota": 10,
    "cpu_hours_budget": 10.0,
    "gpu_hours_budget": None,
    "show_logs": True,
    "opens_at": None,
    "closes_at": "2027-01-31T23:59:59+00:00",
    "host_id": _USER_ID,
    "data_version": 1,
    "data_files": [DATA_FILE],
    "labels_version": 1,
    "smoke_data_version": 1,
    "smoke_data_files": [],
    "smoke_labels_version": None,
    "extra_metrics": ["f1_macro"],
    "final_count": 2,
    "is_open": True,
    "stages": [STAGE_SUMMARY, {k: v for k, v in STAGE.items() if k in STAGE_SUMMARY}],
    "current_stage": 1,
    "revealed_at": None,
    "rules": "One account per person. No hand labelling of the test data.",
    "rules_version": 1,
    "rules_accepted": True,
    "participant_files": [PARTICIPANT_FILE],
    "smoke_sample_available": True,
    "rank_host_submissions": False,
    "requires_approval": False,
    "participants_download_own": False,
    "model_source": "upload",
    "created_at": _WHEN,
    "updated_at": _WHEN,
}
SUBMISSION: dict[str, Any] = {
    "id": _SUBMISSION_ID,
    "competition_id": _COMPETITION_ID,
    "stage_id": _COMPETITION_ID,
    "stage_position": 1,
    "rerun_of": None,
    "purpose": "compete",
    "team_id": _TEAM_ID,
    "team_name": "ada",
    "status": "scored",
    "failure_reason": None,
    "detail": "",
    "exit_code": 0,
    "public_score": 0.974,
    "is_smoke": False,
    "sha256": "5d41" + "0" * 60,
    "size_bytes": 52_114,
    "resources": {"wall_seconds": 2.1, "cpu_seconds": 1.7, "peak_memory_mb": 101.0, "gpu_seconds": 0.0},
    "started_at": "2026-12-01T10:00:02+00:00",
    "created_at": _WHEN,
    "updated_at": "2026-12-01T10:00:05+00:00",
}
TEAM: dict[str, Any] = {
    "id": _TEAM_ID,
    "competition_id": _COMPETITION_ID,
    "name": "ada",
    "members": ["ada", "grace"],
    "created_at": _WHEN,
    "invite_code": "k3F9-xQ2p-7Lmz",
    "approval": {"state": "approved", "reason": None, "decided_by": "hana", "decided_at": _WHEN},
}
ENTRY: dict[str, Any] = {
    "rank": 1,
    "team_id": _TEAM_ID,
    "team_name": "ada",
    "submission_id": _SUBMISSION_ID,
    "score": 0.974,
    "scores": {"accuracy": 0.974},
    "submitted_at": _WHEN,
    "submissions": 3,
}
COUNTER = {"limit": 5, "used": 2, "remaining": 3}
TRIAL: dict[str, Any] = {
    "public": {"weighted_error": 0.125},
    "private": {},
    "log_tail": "scored 10 rows\n",
}
_WEBHOOK_ID = "7d9e2f4a-1b3c-4d5e-8f6a-9b0c1d2e3f4a"
WEBHOOK: dict[str, Any] = {
    "id": _WEBHOOK_ID,
    "competition_id": _COMPETITION_ID,
    "url": "https://hooks.example.org/holdout",
    "event_types": ["competition.revealed", "submission.scored"],
    "description": "results into our lab chat",
    "enabled": True,
    "disabled_reason": None,
    "created_by": _USER_ID,
    "created_at": _WHEN,
    "updated_at": _WHEN,
}

COMPUTE: dict[str, Any] = {
    "cpu_hours_used": 2.5,
    "cpu_hours_limit": 10.0,
    "cpu_hours_remaining": 7.5,
    "gpu_hours_used": 0.0,
    "gpu_hours_limit": None,
    "gpu_hours_remaining": None,
}
_RERUN_ID = "e5f6a7b8-c9d0-4e1f-8a2b-3c4d5e6f7a8b"
_RUN_RESULT: dict[str, Any] = {
    "submission_id": _SUBMISSION_ID,
    "status": "scored",
    "failure_reason": None,
    "detail": "",
    "public_scores": {"accuracy": 0.974},
    "private_scores": {"accuracy": 0.968},
    "resources": {"wall_seconds": 2.1, "cpu_seconds": 1.7, "peak_memory_mb": 101.0, "gpu_seconds": 0.0},
    "created_at": _WHEN,
}
REPRODUCTION_REPORT: dict[str, Any] = {
    "submission_id": _SUBMISSION_ID,
    "team_id": _TEAM_ID,
    "team_name": "ada",
    "verdict": "within_tolerance",
    "tolerance": 0.01,
    "original": _RUN_RESULT,
    "reruns": [
        {
            **_RUN_RESULT,
            "submission_id": _RERUN_ID,
            "public_scores": {"accuracy": 0.971},
            "created_at": "2026-12-02T09:00:00+00:00",
        }
    ],
    "spread": [
        {
            "board": "public",
            "key": "accuracy",
            "original": 0.974,
            "min": 0.971,
            "max": 0.974,
            "max_abs_diff": 0.003,
        },
        {
            "board": "private",
            "key": "accuracy",
            "original": 0.968,
            "min": 0.968,
            "max": 0.968,
            "max_abs_diff": 0.0,
        },
    ],
}
