from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.reproduction_create import ReproductionCreate
from ...models.reproduction_report import ReproductionReport
from ...types import Response


def _get_kwargs(
    submission_id: UUID,
    *,
    body: ReproductionCreate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/submissions/{submission_id}/reproductions".format(
            submission_id=quote(str(submission_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | ReproductionReport | None:
    if response.status_code == 202:
        response_202 = ReproductionReport.from_dict(response.json())

        return response_202

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 408:
        response_408 = Problem.from_dict(response.json())

        return response_408

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | ReproductionReport]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    submission_id: UUID,
    *,
    client: AuthenticatedClient,
    body: ReproductionCreate,
) -> Response[Problem | ReproductionReport]:
    """Re-run a scored submission count times on the same archive, runtime, data and labels (host), at low
    priority, off every

     Re-run a scored submission `count` times on the same archive, runtime, data and
    labels (host), at low priority, off every board and quota; read the verdict with
    `get_submission_reproductions`. A training stage's `trained` submission trains again
    and its model is compared byte for byte (`model_matches`); the next stage never gets
    a reproduction's model.

    Args:
        submission_id (UUID):
        body (ReproductionCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ReproductionReport]
    """

    kwargs = _get_kwargs(
        submission_id=submission_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    submission_id: UUID,
    *,
    client: AuthenticatedClient,
    body: ReproductionCreate,
) -> Problem | ReproductionReport | None:
    """Re-run a scored submission count times on the same archive, runtime, data and labels (host), at low
    priority, off every

     Re-run a scored submission `count` times on the same archive, runtime, data and
    labels (host), at low priority, off every board and quota; read the verdict with
    `get_submission_reproductions`. A training stage's `trained` submission trains again
    and its model is compared byte for byte (`model_matches`); the next stage never gets
    a reproduction's model.

    Args:
        submission_id (UUID):
        body (ReproductionCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ReproductionReport
    """

    return sync_detailed(
        submission_id=submission_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    submission_id: UUID,
    *,
    client: AuthenticatedClient,
    body: ReproductionCreate,
) -> Response[Problem | ReproductionReport]:
    """Re-run a scored submission count times on the same archive, runtime, data and labels (host), at low
    priority, off every

     Re-run a scored submission `count` times on the same archive, runtime, data and
    labels (host), at low priority, off every board and quota; read the verdict with
    `get_submission_reproductions`. A training stage's `trained` submission trains again
    and its model is compared byte for byte (`model_matches`); the next stage never gets
    a reproduction's model.

    Args:
        submission_id (UUID):
        body (ReproductionCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ReproductionReport]
    """

    kwargs = _get_kwargs(
        submission_id=submission_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    submission_id: UUID,
    *,
    client: AuthenticatedClient,
    body: ReproductionCreate,
) -> Problem | ReproductionReport | None:
    """Re-run a scored submission count times on the same archive, runtime, data and labels (host), at low
    priority, off every

     Re-run a scored submission `count` times on the same archive, runtime, data and
    labels (host), at low priority, off every board and quota; read the verdict with
    `get_submission_reproductions`. A training stage's `trained` submission trains again
    and its model is compared byte for byte (`model_matches`); the next stage never gets
    a reproduction's model.

    Args:
        submission_id (UUID):
        body (ReproductionCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ReproductionReport
    """

    return (
        await asyncio_detailed(
            submission_id=submission_id,
            client=client,
            body=body,
        )
    ).parsed
