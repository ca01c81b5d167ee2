"""The scores.json reader shared by the gateway (program trials) and the scorer."""

from __future__ import annotations

import pytest

from shared.events import ScoreColumn, ScoringSpec, board_columns
from shared.scoring_runs import SCORES_MAX_BYTES, ScoresInvalid, parse_scores


def test_reads_public_and_private_parts_of_the_declared_columns_only() -> None:
    public, private = parse_scores(
        b'{"public": {"werr": 1.5, "n": 3, "extra": 9}, "private": {"werr": 2, "n": 4}}', ["werr", "n"]
    )
    assert public == {"werr": 1.5, "n": 3.0}
    assert private == {"werr": 2.0, "n": 4.0}


def test_private_may_be_absent_or_null() -> None:
    assert parse_scores('{"public": {"a": 0.5}}', ["a"]) == ({"a": 0.5}, {})
    assert parse_scores('{"public": {"a": 0.5}, "private": null}', ["a"]) == ({"a": 0.5}, {})


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", '"public" object'),
        (b'{"public": {"b": 1}}', "no value for the column 'a'"),
        (b'{"public": {"a": "high"}}', "expected a finite number"),
        (b'{"public": {"a": NaN}}', "expected a finite number"),
        (b'{"public": {"a": true}}', "expected a finite number"),
        (b'{"public": {"a": 1}, "private": [1]}', '"private" in scores.json must be an object'),
        (b'{"public": {"a": 1}, "private": {"a": 1e999}}', "expected a finite number"),
    ],
)
def test_refuses_what_the_stage_did_not_declare_naming_the_problem(raw: bytes, says: str) -> None:
    with pytest.raises(ScoresInvalid) as caught:
        parse_scores(raw, ["a"])
    assert says in caught.value.detail


def test_refuses_a_huge_file_before_parsing_it() -> None:
    with pytest.raises(ScoresInvalid, match="at most"):
        parse_scores(b" " * (SCORES_MAX_BYTES + 1), ["a"])


def test_board_columns_expand_the_old_form_and_keep_the_new_one() -> None:
    old = ScoringSpec(
        metric="rmse", id_column="id", target_columns=["y"], labels_key="k", extra_metrics=["r2"]
    )
    assert [(c.key, c.metric, c.higher_is_better) for c in board_columns(old)] == [
        ("rmse", "rmse", False),
        ("r2", "r2", True),
    ]
    declared = [
        ScoreColumn(key="werr", higher_is_better=False),
        ScoreColumn(key="accuracy", metric="accuracy"),
    ]
    new = old.model_copy(update={"columns": declared, "metric": "werr"})
    assert board_columns(new) == declared
