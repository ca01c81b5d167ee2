"""Examples for the bodies of the public OpenAPI document, by component schema name.

Shown by the docs and by generated clients; ``Page_X_`` schemas take theirs from ``X``.
"""

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
    "limits": LIMITS,
    "daily_quota": 5,
    "smoke_daily_quota": 10,
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
    "revealed_at": None,
    "rules": "One account per person. No hand labelling of the test data.",
    "rules_version": 1,
    "rules_accepted": True,
    "participant_files": [PARTICIPANT_FILE],
    "smoke_sample_available": True,
    "rank_host_submissions": False,
    "created_at": _WHEN,
    "updated_at": _WHEN,
}
SUBMISSION: dict[str, Any] = {
    "id": _SUBMISSION_ID,
    "competition_id": _COMPETITION_ID,
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
}
ENTRY: dict[str, Any] = {
    "rank": 1,
    "team_id": _TEAM_ID,
    "team_name": "ada",
    "submission_id": _SUBMISSION_ID,
    "score": 0.974,
    "submitted_at": _WHEN,
    "submissions": 3,
}
COUNTER = {"limit": 5, "used": 2, "remaining": 3}
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

SCHEMA_EXAMPLES: dict[str, Any] = {
    "UserCreate": {"username": "ada", "is_host": False},
    "UserCreated": {"id": _USER_ID, "username": "ada", "is_host": False, "token": "hdt_" + "x" * 43},
    "UserRead": {
        "id": _USER_ID,
        "username": "ada",
        "email": "ada@example.org",
        "is_host": False,
        "is_admin": False,
        "is_disabled": False,
        "created_at": _WHEN,
    },
    "UserUpdate": {"is_host": True},
    "SignUp": {"username": "ada", "email": "ada@example.org", "password": "correct horse battery staple"},
    "LogIn": {"username_or_email": "ada", "password": "correct horse battery staple"},
    "TokenCreate": {"name": "laptop CLI", "expires_in_days": 90},
    "TokenRead": {
        "id": "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
        "name": "laptop CLI",
        "prefix": "hdt_k3F9",
        "created_at": _WHEN,
        "expires_at": "2027-03-01T10:00:00+00:00",
        "last_used_at": None,
    },
    "TokenCreated": {
        "id": "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
        "name": "laptop CLI",
        "created_at": _WHEN,
        "expires_at": "2027-03-01T10:00:00+00:00",
        "token": "hdt_" + "x" * 43,
    },
    "CompetitionCreate": {
        "slug": "digits",
        "title": "Handwritten digits",
        "metric": "accuracy",
        "id_column": "id",
        "target_columns": ["label"],
        "limits": {"time_limit_s": 120, "memory_mb": 1024},
        "daily_quota": 5,
    },
    "CompetitionUpdate": {"daily_quota": 10, "limits": {"memory_mb": 2048}},
    "CompetitionRead": COMPETITION,
    "Limits": LIMITS,
    "LimitsPatch": {"memory_mb": 2048},
    "DataFileRead": DATA_FILE,
    "LabelsRead": {
        "labels_version": 2,
        "rows": 810,
        "public_rows": 405,
        "private_rows": 405,
        "size_bytes": 12_044,
        "sha256": "77aa" + "0" * 60,
    },
    "RescoreRead": {
        "id": "e5f6a7b8-c9d0-4e1f-a2b3-c4d5e6f7a8b9",
        "competition_id": _COMPETITION_ID,
        "scoring": {"metric": "accuracy", "labels_version": 2},
        "requested_at": _WHEN,
        "created": True,
    },
    "TeamCreate": {"name": "ada"},
    "TeamJoin": {"invite_code": "k3F9-xQ2p-7Lmz"},
    "TeamRead": TEAM,
    "FinalSelectionUpdate": {"submission_ids": [_SUBMISSION_ID]},
    "FinalSelectionRead": {
        "team_id": _TEAM_ID,
        "submission_ids": [_SUBMISSION_ID],
        "final_count": 2,
        "default": False,
    },
    "SubmissionRead": SUBMISSION,
    "QuotaCounter": COUNTER,
    "QuotaRead": {
        "team_id": _TEAM_ID,
        "resets_at": "2026-12-02T00:00:00+00:00",
        "submissions": COUNTER,
        "smoke_runs": {"limit": 10, "used": 0, "remaining": 10},
    },
    "LeaderboardEntry": ENTRY,
    "Leaderboard": {
        "competition_id": _COMPETITION_ID,
        "board": "public",
        "metric": "accuracy",
        "higher_is_better": True,
        "revealed": False,
        "total": 1,
        "offset": 0,
        "limit": 50,
        "entries": [ENTRY],
    },
    "ParticipantFileRead": PARTICIPANT_FILE,
    "RulesAcceptanceRead": {"rules_version": 1, "accepted_at": _WHEN, "created": True},
    "Resources": SUBMISSION["resources"],
    "WebhookCreate": {
        "url": "https://hooks.example.org/holdout",
        "event_types": ["competition.revealed", "submission.scored"],
        "description": "results into our lab chat",
    },
    "WebhookUpdate": {"enabled": True},
    "WebhookRead": WEBHOOK,
    "WebhookCreated": {**WEBHOOK, "secret": "whsec_" + "x" * 43},
    "WebhookDeliveryRead": {
        "id": "2c4e6a8b-0d1f-4a3b-9c5d-7e9f1a3b5c7d",
        "webhook_id": _WEBHOOK_ID,
        "event_id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
        "event_type": "submission.scored",
        "status": "delivered",
        "attempts": 3,
        "next_attempt_at": None,
        "last_error": None,
        "last_status_code": 200,
        "delivered_at": "2026-12-01T10:00:41+00:00",
        "created_at": "2026-12-01T10:00:05+00:00",
        "payload": {
            "event_id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
            "type": "submission.scored",
            "occurred_at": "2026-12-01T10:00:05+00:00",
            "competition_id": _COMPETITION_ID,
            "data": {
                "submission_id": _SUBMISSION_ID,
                "competition_id": _COMPETITION_ID,
                "team_id": _TEAM_ID,
                "team_name": "ada",
                "metric": "accuracy",
                "public_score": 0.974,
            },
        },
    },
    "FieldError": {
        "loc": ["body", "daily_quota"],
        "msg": "Input should be a valid integer",
        "type": "int_parsing",
    },
}

# the item shown in a page's example, where it is not the schema's own example
PAGE_ITEM_EXAMPLES: dict[str, Any] = {}
