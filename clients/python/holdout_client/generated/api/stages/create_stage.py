from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.stage_create import StageCreate
from ...models.stage_read import StageRead
from ...types import Response


def _get_kwargs(
    competition: str,
    *,
    body: StageCreate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/competitions/{competition}/stages".format(
            competition=quote(str(competition), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | StageRead | None:
    if response.status_code == 201:
        response_201 = StageRead.from_dict(response.json())

        return response_201

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
) -> Response[Problem | StageRead]:
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
    body: StageCreate,
) -> Response[Problem | StageRead]:
    """Add a stage after the last one (host); the settings left out are the previous stage's

     Add a stage after the last one (host); the settings left out are the previous stage's.

    The new stage starts without data or labels (upload them under its position).

    Args:
        competition (str):
        body (StageCreate): A new stage, added after the last one. Every setting left out is the
            previous stage's
            (its data and labels are not: a stage starts with none, at version 1).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | StageRead]
    """

    kwargs = _get_kwargs(
        competition=competition,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    competition: str,
    *,
    client: AuthenticatedClient,
    body: StageCreate,
) -> Problem | StageRead | None:
    """Add a stage after the last one (host); the settings left out are the previous stage's

     Add a stage after the last one (host); the settings left out are the previous stage's.

    The new stage starts without data or labels (upload them under its position).

    Args:
        competition (str):
        body (StageCreate): A new stage, added after the last one. Every setting left out is the
            previous stage's
            (its data and labels are not: a stage starts with none, at version 1).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | StageRead
    """

    return sync_detailed(
        competition=competition,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    competition: str,
    *,
    client: AuthenticatedClient,
    body: StageCreate,
) -> Response[Problem | StageRead]:
    """Add a stage after the last one (host); the settings left out are the previous stage's

     Add a stage after the last one (host); the settings left out are the previous stage's.

    The new stage starts without data or labels (upload them under its position).

    Args:
        competition (str):
        body (StageCreate): A new stage, added after the last one. Every setting left out is the
            previous stage's
            (its data and labels are not: a stage starts with none, at version 1).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | StageRead]
    """

    kwargs = _get_kwargs(
        competition=competition,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    competition: str,
    *,
    client: AuthenticatedClient,
    body: StageCreate,
) -> Problem | StageRead | None:
    """Add a stage after the last one (host); the settings left out are the previous stage's

     Add a stage after the last one (host); the settings left out are the previous stage's.

    The new stage starts without data or labels (upload them under its position).

    Args:
        competition (str):
        body (StageCreate): A new stage, added after the last one. Every setting left out is the
            previous stage's
            (its data and labels are not: a stage starts with none, at version 1).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | StageRead
    """

    return (
        await asyncio_detailed(
            competition=competition,
            client=client,
            body=body,
        )
    ).parsed
