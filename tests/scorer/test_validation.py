"""Predictions validation: every rejection says what was wrong, where, and what was expected."""

from __future__ import annotations

import numpy as np
import pytest

from services.scorer import validation
from services.scorer.metrics import get_metric
from services.scorer.scoring import score
from services.scorer.validation import InvalidLabels, InvalidPredictions, parse_labels, parse_predictions
from shared.events import ScoringSpec

LABELS = b"id,y,Usage\n1,0,Public\n2,1,Public\n3,1,Private\n4,0,Private\n5,1,Public\n"
GOOD = b"id,y\n1,0\n2,1\n3,1\n4,0\n5,1\n"


def spec(metric: str = "accuracy", targets: tuple[str, ...] = ("y",)) -> ScoringSpec:
    return ScoringSpec(metric=metric, id_column="id", target_columns=list(targets), labels_key="c/v1.csv")


def rejection(
    predictions: bytes, metric: str = "accuracy", labels: bytes = LABELS, targets: tuple[str, ...] = ("y",)
) -> str:
    with pytest.raises(InvalidPredictions) as info:
        score(predictions, labels, spec(metric, targets))
    return info.value.detail


def test_good_predictions_in_any_row_order_are_aligned_by_id() -> None:
    shuffled = b"id,y\n5,1\n3,1\n1,0\n4,0\n2,1\n"
    result = score(shuffled, LABELS, spec())
    assert result.public_score == 1.0
    assert result.private_score == 1.0
    assert (result.public_rows, result.private_rows) == (3, 2)


def test_bom_and_crlf_are_accepted() -> None:
    data = b"\xef\xbb\xbfid,y\r\n1,0\r\n2,1\r\n3,0\r\n4,0\r\n5,1\r\n"
    result = score(data, LABELS, spec())
    assert result.public_score == 1.0
    assert result.private_score == 0.5


def test_missing_column_names_it_and_the_expected_columns() -> None:
    detail = rejection(b"id\n1\n2\n3\n4\n5\n")
    assert "missing 'y'" in detail
    assert "exactly the columns id, y" in detail


def test_extra_column_is_named() -> None:
    detail = rejection(b"id,y,Usage\n1,0,Public\n2,1,Public\n3,1,Private\n4,0,Private\n5,1,Public\n")
    assert "unexpected 'Usage'" in detail


def test_extra_ids_reported_with_count_and_examples() -> None:
    detail = rejection(GOOD + b"17,0\n18,1\n")
    assert "2 ids are not in the test set, e.g. '17', '18'" in detail


def test_missing_ids_reported_with_count_and_examples() -> None:
    detail = rejection(b"id,y\n1,0\n2,1\n")
    assert "3 ids of the test set have no prediction, e.g. '3', '4', '5'" in detail
    assert "each of the 5 ids" in detail


def test_many_missing_ids_show_only_a_few() -> None:
    labels = b"id,y,Usage\n" + b"".join(b"%d,0,Public\n" % i for i in range(100))
    detail = rejection(b"id,y\n0,0\n", labels=labels)
    assert "99 ids of the test set have no prediction, e.g. '1', '2', '3', '4', '5', ..." in detail


def test_duplicated_ids_reported() -> None:
    detail = rejection(GOOD + b"3,0\n")
    assert "1 id appears more than once, e.g. '3'" in detail


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("nan", "'nan' is not a number"),
        ("inf", "'inf' is not finite"),
        ("", "empty"),
        ("abc", "'abc' is not a number"),
    ],
)
def test_non_finite_values_are_located(value: str, why: str) -> None:
    data = f"id,y\n1,0.5\n2,0.1\n3,{value}\n4,0.2\n5,0.9\n".encode()
    detail = rejection(data, metric="roc_auc")
    assert f"column 'y': 1 value is not a finite number: line 4 (id '3'): {why}" in detail


def test_integer_labels_need_integer_predictions() -> None:
    detail = rejection(b"id,y\n1,0\n2,0.7\n3,1\n4,yes\n5,1\n")
    assert "line 5 (id '4'): 'yes' is not a number" in detail
    fractional = rejection(b"id,y\n1,0\n2,0.7\n3,1\n4,0\n5,1\n")
    assert "1 value is not an integer: line 3 (id '2'): '0.7'" in fractional
    assert "the labels are integer classes" in fractional


def test_integral_floats_count_as_integers() -> None:
    assert score(b"id,y\n1,0.0\n2,1.0\n3,1\n4,0\n5,1\n", LABELS, spec()).public_score == 1.0


def test_probabilities_outside_the_unit_interval_rejected_for_log_loss() -> None:
    detail = rejection(b"id,y\n1,0.1\n2,1.5\n3,0.9\n4,0.2\n5,0.8\n", metric="log_loss")
    assert "outside [0, 1]: line 3 (id '2'): '1.5'" in detail


def test_text_labels_compare_as_text() -> None:
    labels = b"id,animal,Usage\na,cat,Public\nb,dog,Public\nc,dog,Private\n"
    result = score(b"id,animal\na,cat\nb,cat\nc,dog\n", labels, spec(targets=("animal",)))
    assert (result.public_score, result.private_score) == (0.5, 1.0)
    with pytest.raises(InvalidPredictions, match="1 value is empty: line 3 \\(id 'b'\\)"):
        score(b"id,animal\na,cat\nb,\nc,dog\n", labels, spec(targets=("animal",)))


@pytest.mark.parametrize("data", [b"", b"   \n", b"\r\n"])
def test_empty_file(data: bytes) -> None:
    assert "the predictions file is empty; expected a CSV with the header id,y" in rejection(data)


def test_binary_garbage() -> None:
    assert "not a CSV text file" in rejection(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


def test_undecodable_bytes() -> None:
    assert "not UTF-8 text (undecodable byte at offset 5)" in rejection(b"id,y\n\xff\xfe\n")


def test_ragged_rows_are_not_a_csv() -> None:
    assert "not a valid CSV" in rejection(b"id,y\n1,0\n2,1,1\n")


def test_header_only_reports_every_id_missing() -> None:
    assert "5 ids of the test set have no prediction" in rejection(b"id,y\n")


def test_repeated_header_column() -> None:
    assert "repeated columns in its header: 'y'" in rejection(b"id,y,y\n1,0,0\n")


def test_labels_without_usage_are_all_public() -> None:
    labels = b"id,y\n1,1.0\n2,2.0\n"
    result = score(b"id,y\n1,1.0\n2,2.0\n", labels, spec("rmse"))
    assert (result.public_score, result.private_score) == (0.0, None)


def test_broken_labels_are_the_platforms_problem() -> None:
    with pytest.raises(InvalidLabels, match="Usage column must be Public or Private"):
        parse_labels(b"id,y,Usage\n1,0,Secret\n", "id", ["y"], get_metric("accuracy"))
    with pytest.raises(InvalidLabels, match="lacks 'y'"):
        parse_labels(b"id,z,Usage\n1,0,Public\n", "id", ["y"], get_metric("accuracy"))


def test_parse_predictions_returns_values_in_label_order() -> None:
    labels = parse_labels(b"id,y\nb,2.5\na,1.5\n", "id", ["y"], get_metric("mae"))
    values = parse_predictions(b"id,y\na,10\nb,20\n", labels, get_metric("mae"))
    assert values[:, 0].tolist() == [20.0, 10.0]


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00rest-of-an-xlsx", "is a ZIP archive (an Excel .xlsx workbook"),
        (b"\x1f\x8b\x08\x00compressed", "is gzip-compressed; write it uncompressed"),
        (b"PAR1\x15\x04parquet", "is a Parquet file; write it as CSV"),
        ("id,y\n1,0\n".encode("utf-16"), "is UTF-16 text; save it as UTF-8"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "is an Excel .xls workbook"),
    ],
)
def test_wrong_file_types_are_named(data: bytes, why: str) -> None:
    assert f"the predictions file {why}" in rejection(data)


def test_latin1_text_says_where_it_stops_being_utf8() -> None:
    detail = rejection("id,y\n1,0\n2,1\n3,caf\u00e9\n".encode("latin-1"))
    assert "not UTF-8 text (undecodable byte at offset 18); save it as a UTF-8 CSV" in detail


def test_cells_with_surrounding_spaces_and_quotes_are_accepted() -> None:
    data = b'id,y\r\n"1", 0\r\n2 ,1\r\n3, 1 \r\n"4",0\r\n5,1\r\n'
    assert score(data, LABELS, spec()).public_score == 1.0


# every row public: ROC AUC needs every class among a board's rows, and a one-row
# private part would lack two of them
MULTI_LABELS = b"id,cat,dog,owl,Usage\n1,1,0,0,Public\n2,0,1,0,Public\n3,0,0,1,Public\n4,0,1,0,Public\n"


def test_multiclass_rows_must_sum_to_one() -> None:
    data = b"id,cat,dog,owl\n1,0.7,0.2,0.1\n2,0.5,0.5,0.5\n3,0.2,0.2,0.6\n4,0.1,0.8,0.1\n"
    for metric in ("log_loss", "roc_auc_ovr"):
        detail = rejection(data, metric=metric, labels=MULTI_LABELS, targets=("cat", "dog", "owl"))
        assert f"{metric} reads the columns cat, dog, owl as the probabilities of each class" in detail
        assert "every row must sum to 1 (within 0.001); 1 row is not: line 3 (id '2') sums to 1.5" in detail


def test_multiclass_rows_rounded_by_the_participant_are_accepted() -> None:
    data = b"id,cat,dog,owl\n1,0.333,0.333,0.333\n2,0.1,0.8,0.1\n3,0.2,0.2,0.6\n4,0.1,0.8,0.1\n"
    result = score(data, MULTI_LABELS, spec("log_loss", ("cat", "dog", "owl")))
    assert result.public_score > 0


def test_multiclass_probabilities_out_of_range() -> None:
    data = b"id,cat,dog,owl\n1,1.2,-0.1,-0.1\n2,0.1,0.8,0.1\n3,0.2,0.2,0.6\n4,0.1,0.8,0.1\n"
    detail = rejection(data, metric="roc_auc_ovr", labels=MULTI_LABELS, targets=("cat", "dog", "owl"))
    assert "column 'cat': 1 value is outside [0, 1]: line 2 (id '1'): '1.2'" in detail


def test_multiclass_labels_must_be_one_hot() -> None:
    labels = b"id,cat,dog,Usage\n1,1,0,Public\n2,1,1,Public\n"
    with pytest.raises(InvalidLabels, match=r"each row must be one-hot .* 1 row is not: id '2'"):
        parse_labels(labels, "id", ["cat", "dog"], get_metric("log_loss"))


def big_case(rows: int = 5000) -> tuple[bytes, bytes]:
    rng = np.random.default_rng(3)
    ids = [f"s{i}" for i in range(rows)]
    truth = rng.integers(0, 2, rows)
    probs = rng.random(rows)
    usage = np.where(rng.random(rows) < 0.3, "Public", "Private")
    labels = "id,y,Usage\n" + "".join(f"{i},{t},{u}\n" for i, t, u in zip(ids, truth, usage, strict=True))
    order = rng.permutation(rows)
    predictions = "id,y\n" + "".join(f"{ids[k]},{probs[k]:.6f}\n" for k in order)
    return predictions.encode(), labels.encode()


def test_a_valid_file_is_read_on_the_fast_path_and_scores_as_the_detailed_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    predictions, labels = big_case()
    slow = score(predictions, labels, spec("roc_auc"))
    metric = get_metric("roc_auc")
    parsed = parse_labels(labels, "id", ["y"], metric)
    detailed = validation._parse_predictions_detailed(predictions, parsed, validation.Reading.of(metric))

    def not_expected(*args: object, **kwargs: object) -> None:
        raise AssertionError("a valid file fell back to the detailed path")

    monkeypatch.setattr(validation, "read_csv", not_expected)
    fast = score(predictions, labels, spec("roc_auc"))
    assert (fast.public_score, fast.private_score) == (slow.public_score, slow.private_score)
    assert np.array_equal(parse_predictions(predictions, parsed, metric), detailed)


def test_text_classes_on_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    labels = b"id,animal,Usage\na,cat,Public\nb,dog,Public\nc,dog,Private\nd,True,Private\n"
    monkeypatch.setattr(validation, "read_csv", None)
    result = score(b"id,animal\nd,True\na,cat\nb,cat\nc,dog\n", labels, spec(targets=("animal",)))
    assert (result.public_score, result.private_score) == (0.5, 1.0)


def test_extra_metrics_are_computed_on_both_parts() -> None:
    extra = ScoringSpec(
        metric="accuracy",
        id_column="id",
        target_columns=["y"],
        labels_key="c/v1.csv",
        extra_metrics=["f1_macro", "balanced_accuracy", "rmse"],
    )
    result = score(b"id,y\n1,0\n2,1\n3,0\n4,0\n5,1\n", LABELS, extra)
    assert result.public_extra == {"f1_macro": 1.0, "balanced_accuracy": 1.0, "rmse": 0.0}
    assert result.private_extra["balanced_accuracy"] == 0.5  # one of two classes recalled


def test_an_extra_metric_that_does_not_fit_the_predictions_is_left_out() -> None:
    extra = ScoringSpec(
        metric="roc_auc",
        id_column="id",
        target_columns=["y"],
        labels_key="c/v1.csv",
        extra_metrics=["accuracy"],
    )
    result = score(b"id,y\n1,0.1\n2,0.9\n3,0.8\n4,0.3\n5,0.7\n", LABELS, extra)
    assert (result.public_score, result.public_extra) == (1.0, {})
