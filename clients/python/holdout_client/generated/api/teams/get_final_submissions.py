from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.final_selection_read import FinalSelectionRead
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    competition: str,
    *,
    stage: int | None | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_stage: int | None | Unset
    if isinstance(stage, Unset):
        json_stage = UNSET
    else:
        json_stage = stage
    params["stage"] = json_stage

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/competitions/{competition}/teams/mine/final-submissions".format(
            competition=quote(str(competition), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> FinalSelectionRead | Problem | None:
    if response.status_code == 200:
        response_200 = FinalSelectionRead.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[FinalSelectionRead | Problem]:
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
    stage: int | None | Unset = UNSET,
) -> Response[FinalSelectionRead | Problem]:
    """Your team's final submissions in a stage for its private leaderboard (empty: the default)

     Your team's final submissions in a stage for its private leaderboard (empty: the default).

    Args:
        competition (str):
        stage (int | None | Unset): The stage's position (1 for the first); unset: the open stage,
            else the latest that has opened.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[FinalSelectionRead | Problem]
    """

    kwargs = _get_kwargs(
        competition=competition,
        stage=stage,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    competition: str,
    *,
    client: AuthenticatedClient,
    stage: int | None | Unset = UNSET,
) -> FinalSelectionRead | Problem | None:
    """Your team's final submissions in a stage for its private leaderboard (empty: the default)

     Your team's final submissions in a stage for its private leaderboard (empty: the default).

    Args:
        competition (str):
        stage (int | None | Unset): The stage's position (1 for the first); unset: the open stage,
            else the latest that has opened.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        FinalSelectionRead | Problem
    """

    return sync_detailed(
        competition=competition,
        client=client,
        stage=stage,
    ).parsed


async def asyncio_detailed(
    competition: str,
    *,
    client: AuthenticatedClient,
    stage: int | None | Unset = UNSET,
) -> Response[FinalSelectionRead | Problem]:
    """Your team's final submissions in a stage for its private leaderboard (empty: the default)

     Your team's final submissions in a stage for its private leaderboard (empty: the default).

    Args:
        competition (str):
        stage (int | None | Unset): The stage's position (1 for the first); unset: the open stage,
            else the latest that has opened.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[FinalSelectionRead | Problem]
    """

    kwargs = _get_kwargs(
        competition=competition,
        stage=stage,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    competition: str,
    *,
    client: AuthenticatedClient,
    stage: int | None | Unset = UNSET,
) -> FinalSelectionRead | Problem | None:
    """Your team's final submissions in a stage for its private leaderboard (empty: the default)

     Your team's final submissions in a stage for its private leaderboard (empty: the default).

    Args:
        competition (str):
        stage (int | None | Unset): The stage's position (1 for the first); unset: the open stage,
            else the latest that has opened.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        FinalSelectionRead | Problem
    """

    return (
        await asyncio_detailed(
            competition=competition,
            client=client,
            stage=stage,
        )
    ).parsed
