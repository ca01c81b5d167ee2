from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.export_leaderboard_csv_board import ExportLeaderboardCsvBoard
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    competition: str,
    board: ExportLeaderboardCsvBoard,
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
        "url": "/api/v1/competitions/{competition}/leaderboard/{board}.csv".format(
            competition=quote(str(competition), safe=""),
            board=quote(str(board), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | str | None:
    if response.status_code == 200:
        response_200 = response.text
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

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | str]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    competition: str,
    board: ExportLeaderboardCsvBoard,
    *,
    client: AuthenticatedClient,
    stage: int | None | Unset = UNSET,
) -> Response[Problem | str]:
    """A stage's whole public or private board as CSV, every column shown with its full value (host; the
    private board before t

     A stage's whole public or private board as CSV, every column shown with its full
    value (host; the private board before the reveal too, hidden columns after it).

    Args:
        competition (str):
        board (ExportLeaderboardCsvBoard):
        stage (int | None | Unset): the stage's position, 1 for the first (default: the stage open
            now, else the latest that has opened)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | str]
    """

    kwargs = _get_kwargs(
        competition=competition,
        board=board,
        stage=stage,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    competition: str,
    board: ExportLeaderboardCsvBoard,
    *,
    client: AuthenticatedClient,
    stage: int | None | Unset = UNSET,
) -> Problem | str | None:
    """A stage's whole public or private board as CSV, every column shown with its full value (host; the
    private board before t

     A stage's whole public or private board as CSV, every column shown with its full
    value (host; the private board before the reveal too, hidden columns after it).

    Args:
        competition (str):
        board (ExportLeaderboardCsvBoard):
        stage (int | None | Unset): the stage's position, 1 for the first (default: the stage open
            now, else the latest that has opened)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | str
    """

    return sync_detailed(
        competition=competition,
        board=board,
        client=client,
        stage=stage,
    ).parsed


async def asyncio_detailed(
    competition: str,
    board: ExportLeaderboardCsvBoard,
    *,
    client: AuthenticatedClient,
    stage: int | None | Unset = UNSET,
) -> Response[Problem | str]:
    """A stage's whole public or private board as CSV, every column shown with its full value (host; the
    private board before t

     A stage's whole public or private board as CSV, every column shown with its full
    value (host; the private board before the reveal too, hidden columns after it).

    Args:
        competition (str):
        board (ExportLeaderboardCsvBoard):
        stage (int | None | Unset): the stage's position, 1 for the first (default: the stage open
            now, else the latest that has opened)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | str]
    """

    kwargs = _get_kwargs(
        competition=competition,
        board=board,
        stage=stage,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    competition: str,
    board: ExportLeaderboardCsvBoard,
    *,
    client: AuthenticatedClient,
    stage: int | None | Unset = UNSET,
) -> Problem | str | None:
    """A stage's whole public or private board as CSV, every column shown with its full value (host; the
    private board before t

     A stage's whole public or private board as CSV, every column shown with its full
    value (host; the private board before the reveal too, hidden columns after it).

    Args:
        competition (str):
        board (ExportLeaderboardCsvBoard):
        stage (int | None | Unset): the stage's position, 1 for the first (default: the stage open
            now, else the latest that has opened)

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | str
    """

    return (
        await asyncio_detailed(
            competition=competition,
            board=board,
            client=client,
            stage=stage,
        )
    ).parsed
