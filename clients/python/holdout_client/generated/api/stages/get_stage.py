from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.stage_read import StageRead
from ...types import Response


def _get_kwargs(
    competition: str,
    position: int,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/competitions/{competition}/stages/{position}".format(
            competition=quote(str(competition), safe=""),
            position=quote(str(position), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | StageRead | None:
    if response.status_code == 200:
        response_200 = StageRead.from_dict(response.json())

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
) -> Response[Problem | StageRead]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    competition: str,
    position: int,
    *,
    client: AuthenticatedClient,
) -> Response[Problem | StageRead]:
    """One stage of a competition, by position

     One stage of a competition, by position.

    Args:
        competition (str):
        position (int): The stage's position: 1 is the first.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | StageRead]
    """

    kwargs = _get_kwargs(
        competition=competition,
        position=position,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    competition: str,
    position: int,
    *,
    client: AuthenticatedClient,
) -> Problem | StageRead | None:
    """One stage of a competition, by position

     One stage of a competition, by position.

    Args:
        competition (str):
        position (int): The stage's position: 1 is the first.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | StageRead
    """

    return sync_detailed(
        competition=competition,
        position=position,
        client=client,
    ).parsed


async def asyncio_detailed(
    competition: str,
    position: int,
    *,
    client: AuthenticatedClient,
) -> Response[Problem | StageRead]:
    """One stage of a competition, by position

     One stage of a competition, by position.

    Args:
        competition (str):
        position (int): The stage's position: 1 is the first.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | StageRead]
    """

    kwargs = _get_kwargs(
        competition=competition,
        position=position,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    competition: str,
    position: int,
    *,
    client: AuthenticatedClient,
) -> Problem | StageRead | None:
    """One stage of a competition, by position

     One stage of a competition, by position.

    Args:
        competition (str):
        position (int): The stage's position: 1 is the first.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | StageRead
    """

    return (
        await asyncio_detailed(
            competition=competition,
            position=position,
            client=client,
        )
    ).parsed
