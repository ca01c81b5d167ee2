from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.submission_read import SubmissionRead
from ...types import UNSET, File, Response, Unset


def _get_kwargs(
    competition: str,
    *,
    body: File,
    smoke: bool | Unset = False,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    params: dict[str, Any] = {}

    params["smoke"] = smoke

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/competitions/{competition}/submissions".format(
            competition=quote(str(competition), safe=""),
        ),
        "params": params,
    }

    _kwargs["content"] = body.payload
    headers["Content-Type"] = "application/octet-stream"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | SubmissionRead | None:
    if response.status_code == 202:
        response_202 = SubmissionRead.from_dict(response.json())

        return response_202

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

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if response.status_code == 507:
        response_507 = Problem.from_dict(response.json())

        return response_507

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | SubmissionRead]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    competition: str,
    *,
    client: AuthenticatedClient,
    body: File,
    smoke: bool | Unset = False,
) -> Response[Problem | SubmissionRead]:
    """Upload a zipped solution; it is queued to run against the hidden test data

     Upload a zipped solution; it is queued to run against the hidden test data.

    `X-Quota-Limit`, `X-Quota-Remaining` and `X-Quota-Reset` tell what is left today
    of this kind of run (real or smoke) for the team, and when it resets.

    Args:
        competition (str):
        smoke (bool | Unset): A smoke run on the public sample (its own quota). Default: False.
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SubmissionRead]
    """

    kwargs = _get_kwargs(
        competition=competition,
        body=body,
        smoke=smoke,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    competition: str,
    *,
    client: AuthenticatedClient,
    body: File,
    smoke: bool | Unset = False,
) -> Problem | SubmissionRead | None:
    """Upload a zipped solution; it is queued to run against the hidden test data

     Upload a zipped solution; it is queued to run against the hidden test data.

    `X-Quota-Limit`, `X-Quota-Remaining` and `X-Quota-Reset` tell what is left today
    of this kind of run (real or smoke) for the team, and when it resets.

    Args:
        competition (str):
        smoke (bool | Unset): A smoke run on the public sample (its own quota). Default: False.
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SubmissionRead
    """

    return sync_detailed(
        competition=competition,
        client=client,
        body=body,
        smoke=smoke,
    ).parsed


async def asyncio_detailed(
    competition: str,
    *,
    client: AuthenticatedClient,
    body: File,
    smoke: bool | Unset = False,
) -> Response[Problem | SubmissionRead]:
    """Upload a zipped solution; it is queued to run against the hidden test data

     Upload a zipped solution; it is queued to run against the hidden test data.

    `X-Quota-Limit`, `X-Quota-Remaining` and `X-Quota-Reset` tell what is left today
    of this kind of run (real or smoke) for the team, and when it resets.

    Args:
        competition (str):
        smoke (bool | Unset): A smoke run on the public sample (its own quota). Default: False.
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SubmissionRead]
    """

    kwargs = _get_kwargs(
        competition=competition,
        body=body,
        smoke=smoke,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    competition: str,
    *,
    client: AuthenticatedClient,
    body: File,
    smoke: bool | Unset = False,
) -> Problem | SubmissionRead | None:
    """Upload a zipped solution; it is queued to run against the hidden test data

     Upload a zipped solution; it is queued to run against the hidden test data.

    `X-Quota-Limit`, `X-Quota-Remaining` and `X-Quota-Reset` tell what is left today
    of this kind of run (real or smoke) for the team, and when it resets.

    Args:
        competition (str):
        smoke (bool | Unset): A smoke run on the public sample (its own quota). Default: False.
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SubmissionRead
    """

    return (
        await asyncio_detailed(
            competition=competition,
            client=client,
            body=body,
            smoke=smoke,
        )
    ).parsed
