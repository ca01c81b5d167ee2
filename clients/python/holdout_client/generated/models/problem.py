from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.field_error import FieldError


T = TypeVar("T", bound="Problem")


@_attrs_define
class Problem:
    """RFC 9457 problem details. ``code`` (also the end of ``type``) is stable and machine-readable;
    the optional members below come with the problems that name them.

        Attributes:
            type_ (str):
            title (str):
            status (int):
            detail (str):
            instance (str):
            code (str): The problem's stable code, e.g. `quota-exceeded`, `invalid-submission`.
            errors (list[FieldError] | None | Unset): 422 `validation-error`: each bad field.
            problems (list[str] | None | Unset): `invalid-submission` and the like: every rule the upload breaks.
            limit (int | None | Unset): `quota-exceeded`: runs allowed per UTC day.
            remaining (int | None | Unset): `quota-exceeded`: runs left today.
            resets_at (datetime.datetime | None | Unset): `quota-exceeded`: when the quota resets.
            max_bytes (int | None | Unset): `payload-too-large`: the size limit in bytes.
            accepted (list[str] | None | Unset): `unsupported-media-type`: the content types this upload accepts.
            missing (list[str] | None | Unset): `competition-not-ready`: what the host has still to upload.
            valid_metrics (list[str] | None | Unset): `unknown-metric`: the catalog.
            status_now (None | str | Unset): `submission-finished`: the current status.
            final_count (int | None | Unset): How many final submissions a team may pick.
            opens_at (datetime.datetime | None | Unset): `competition-not-open`, `between-stages`: when submissions (the
                next stage) open.
            closes_at (datetime.datetime | None | Unset): `competition-closed`, `between-stages`: when submissions (the last
                stage) closed.
            stage (int | None | Unset): `stage-takes-no-uploads`, `invalid-schedule`, `invalid-feed`: the stage's position.
            closed_stage (int | None | Unset): `between-stages`: the stage that closed last.
            next_stage (int | None | Unset): `between-stages`: the stage that opens next.
            column (int | None | Unset): `invalid-columns`, `unknown-metric`: the index of the column at fault.
            run_status (None | str | Unset): `scoring-program-failed`: how the trial ended (`program_failed`, `ok`).
            exit_code (int | None | Unset): `scoring-program-failed`: the program's exit code.
            log_tail (None | str | Unset): `scoring-program-failed`: the end of the program's stdout and stderr.
    """

    type_: str
    title: str
    status: int
    detail: str
    instance: str
    code: str
    errors: list[FieldError] | None | Unset = UNSET
    problems: list[str] | None | Unset = UNSET
    limit: int | None | Unset = UNSET
    remaining: int | None | Unset = UNSET
    resets_at: datetime.datetime | None | Unset = UNSET
    max_bytes: int | None | Unset = UNSET
    accepted: list[str] | None | Unset = UNSET
    missing: list[str] | None | Unset = UNSET
    valid_metrics: list[str] | None | Unset = UNSET
    status_now: None | str | Unset = UNSET
    final_count: int | None | Unset = UNSET
    opens_at: datetime.datetime | None | Unset = UNSET
    closes_at: datetime.datetime | None | Unset = UNSET
    stage: int | None | Unset = UNSET
    closed_stage: int | None | Unset = UNSET
    next_stage: int | None | Unset = UNSET
    column: int | None | Unset = UNSET
    run_status: None | str | Unset = UNSET
    exit_code: int | None | Unset = UNSET
    log_tail: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        title = self.title

        status = self.status

        detail = self.detail

        instance = self.instance

        code = self.code

        errors: list[dict[str, Any]] | None | Unset
        if isinstance(self.errors, Unset):
            errors = UNSET
        elif isinstance(self.errors, list):
            errors = []
            for errors_type_0_item_data in self.errors:
                errors_type_0_item = errors_type_0_item_data.to_dict()
                errors.append(errors_type_0_item)

        else:
            errors = self.errors

        problems: list[str] | None | Unset
        if isinstance(self.problems, Unset):
            problems = UNSET
        elif isinstance(self.problems, list):
            problems = self.problems

        else:
            problems = self.problems

        limit: int | None | Unset
        if isinstance(self.limit, Unset):
            limit = UNSET
        else:
            limit = self.limit

        remaining: int | None | Unset
        if isinstance(self.remaining, Unset):
            remaining = UNSET
        else:
            remaining = self.remaining

        resets_at: None | str | Unset
        if isinstance(self.resets_at, Unset):
            resets_at = UNSET
        elif isinstance(self.resets_at, datetime.datetime):
            resets_at = self.resets_at.isoformat()
        else:
            resets_at = self.resets_at

        max_bytes: int | None | Unset
        if isinstance(self.max_bytes, Unset):
            max_bytes = UNSET
        else:
            max_bytes = self.max_bytes

        accepted: list[str] | None | Unset
        if isinstance(self.accepted, Unset):
            accepted = UNSET
        elif isinstance(self.accepted, list):
            accepted = self.accepted

        else:
            accepted = self.accepted

        missing: list[str] | None | Unset
        if isinstance(self.missing, Unset):
            missing = UNSET
        elif isinstance(self.missing, list):
            missing = self.missing

        else:
            missing = self.missing

        valid_metrics: list[str] | None | Unset
        if isinstance(self.valid_metrics, Unset):
            valid_metrics = UNSET
        elif isinstance(self.valid_metrics, list):
            valid_metrics = self.valid_metrics

        else:
            valid_metrics = self.valid_metrics

        status_now: None | str | Unset
        if isinstance(self.status_now, Unset):
            status_now = UNSET
        else:
            status_now = self.status_now

        final_count: int | None | Unset
        if isinstance(self.final_count, Unset):
            final_count = UNSET
        else:
            final_count = self.final_count

        opens_at: None | str | Unset
        if isinstance(self.opens_at, Unset):
            opens_at = UNSET
        elif isinstance(self.opens_at, datetime.datetime):
            opens_at = self.opens_at.isoformat()
        else:
            opens_at = self.opens_at

        closes_at: None | str | Unset
        if isinstance(self.closes_at, Unset):
            closes_at = UNSET
        elif isinstance(self.closes_at, datetime.datetime):
            closes_at = self.closes_at.isoformat()
        else:
            closes_at = self.closes_at

        stage: int | None | Unset
        if isinstance(self.stage, Unset):
            stage = UNSET
        else:
            stage = self.stage

        closed_stage: int | None | Unset
        if isinstance(self.closed_stage, Unset):
            closed_stage = UNSET
        else:
            closed_stage = self.closed_stage

        next_stage: int | None | Unset
        if isinstance(self.next_stage, Unset):
            next_stage = UNSET
        else:
            next_stage = self.next_stage

        column: int | None | Unset
        if isinstance(self.column, Unset):
            column = UNSET
        else:
            column = self.column

        run_status: None | str | Unset
        if isinstance(self.run_status, Unset):
            run_status = UNSET
        else:
            run_status = self.run_status

        exit_code: int | None | Unset
        if isinstance(self.exit_code, Unset):
            exit_code = UNSET
        else:
            exit_code = self.exit_code

        log_tail: None | str | Unset
        if isinstance(self.log_tail, Unset):
            log_tail = UNSET
        else:
            log_tail = self.log_tail

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "title": title,
                "status": status,
                "detail": detail,
                "instance": instance,
                "code": code,
            }
        )
        if errors is not UNSET:
            field_dict["errors"] = errors
        if problems is not UNSET:
            field_dict["problems"] = problems
        if limit is not UNSET:
            field_dict["limit"] = limit
        if remaining is not UNSET:
            field_dict["remaining"] = remaining
        if resets_at is not UNSET:
            field_dict["resets_at"] = resets_at
        if max_bytes is not UNSET:
            field_dict["max_bytes"] = max_bytes
        if accepted is not UNSET:
            field_dict["accepted"] = accepted
        if missing is not UNSET:
            field_dict["missing"] = missing
        if valid_metrics is not UNSET:
            field_dict["valid_metrics"] = valid_metrics
        if status_now is not UNSET:
            field_dict["status_now"] = status_now
        if final_count is not UNSET:
            field_dict["final_count"] = final_count
        if opens_at is not UNSET:
            field_dict["opens_at"] = opens_at
        if closes_at is not UNSET:
            field_dict["closes_at"] = closes_at
        if stage is not UNSET:
            field_dict["stage"] = stage
        if closed_stage is not UNSET:
            field_dict["closed_stage"] = closed_stage
        if next_stage is not UNSET:
            field_dict["next_stage"] = next_stage
        if column is not UNSET:
            field_dict["column"] = column
        if run_status is not UNSET:
            field_dict["run_status"] = run_status
        if exit_code is not UNSET:
            field_dict["exit_code"] = exit_code
        if log_tail is not UNSET:
            field_dict["log_tail"] = log_tail

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.field_error import FieldError

        d = dict(src_dict)
        type_ = d.pop("type")

        title = d.pop("title")

        status = d.pop("status")

        detail = d.pop("detail")

        instance = d.pop("instance")

        code = d.pop("code")

        def _parse_errors(data: object) -> list[FieldError] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                errors_type_0 = []
                _errors_type_0 = data
                for errors_type_0_item_data in _errors_type_0:
                    errors_type_0_item = FieldError.from_dict(errors_type_0_item_data)

                    errors_type_0.append(errors_type_0_item)

                return errors_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[FieldError] | None | Unset, data)

        errors = _parse_errors(d.pop("errors", UNSET))

        def _parse_problems(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                problems_type_0 = cast(list[str], data)

                return problems_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        problems = _parse_problems(d.pop("problems", UNSET))

        def _parse_limit(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        limit = _parse_limit(d.pop("limit", UNSET))

        def _parse_remaining(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        remaining = _parse_remaining(d.pop("remaining", UNSET))

        def _parse_resets_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                resets_at_type_0 = datetime.datetime.fromisoformat(data)

                return resets_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        resets_at = _parse_resets_at(d.pop("resets_at", UNSET))

        def _parse_max_bytes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_bytes = _parse_max_bytes(d.pop("max_bytes", UNSET))

        def _parse_accepted(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                accepted_type_0 = cast(list[str], data)

                return accepted_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        accepted = _parse_accepted(d.pop("accepted", UNSET))

        def _parse_missing(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                missing_type_0 = cast(list[str], data)

                return missing_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        missing = _parse_missing(d.pop("missing", UNSET))

        def _parse_valid_metrics(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                valid_metrics_type_0 = cast(list[str], data)

                return valid_metrics_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        valid_metrics = _parse_valid_metrics(d.pop("valid_metrics", UNSET))

        def _parse_status_now(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        status_now = _parse_status_now(d.pop("status_now", UNSET))

        def _parse_final_count(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        final_count = _parse_final_count(d.pop("final_count", UNSET))

        def _parse_opens_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                opens_at_type_0 = datetime.datetime.fromisoformat(data)

                return opens_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        opens_at = _parse_opens_at(d.pop("opens_at", UNSET))

        def _parse_closes_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                closes_at_type_0 = datetime.datetime.fromisoformat(data)

                return closes_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        closes_at = _parse_closes_at(d.pop("closes_at", UNSET))

        def _parse_stage(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        stage = _parse_stage(d.pop("stage", UNSET))

        def _parse_closed_stage(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        closed_stage = _parse_closed_stage(d.pop("closed_stage", UNSET))

        def _parse_next_stage(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        next_stage = _parse_next_stage(d.pop("next_stage", UNSET))

        def _parse_column(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        column = _parse_column(d.pop("column", UNSET))

        def _parse_run_status(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        run_status = _parse_run_status(d.pop("run_status", UNSET))

        def _parse_exit_code(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        exit_code = _parse_exit_code(d.pop("exit_code", UNSET))

        def _parse_log_tail(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        log_tail = _parse_log_tail(d.pop("log_tail", UNSET))

        problem = cls(
            type_=type_,
            title=title,
            status=status,
            detail=detail,
            instance=instance,
            code=code,
            errors=errors,
            problems=problems,
            limit=limit,
            remaining=remaining,
            resets_at=resets_at,
            max_bytes=max_bytes,
            accepted=accepted,
            missing=missing,
            valid_metrics=valid_metrics,
            status_now=status_now,
            final_count=final_count,
            opens_at=opens_at,
            closes_at=closes_at,
            stage=stage,
            closed_stage=closed_stage,
            next_stage=next_stage,
            column=column,
            run_status=run_status,
            exit_code=exit_code,
            log_tail=log_tail,
        )

        problem.additional_properties = d
        return problem

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
