from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.competition_read import CompetitionRead
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    competition: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/competitions/{competition}/reveal".format(
            competition=quote(str(competition), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CompetitionRead | Problem | None:
    if response.status_code == 200:
        response_200 = CompetitionRead.from_dict(response.json())

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
) -> Response[CompetitionRead | Problem]:
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
) -> Response[CompetitionRead | Problem]:
    """Reveal the private leaderboard to everyone (host; revealing again changes nothing)

     Reveal the private leaderboard to everyone (host; revealing again changes nothing).

    Args:
        competition (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CompetitionRead | Problem]
    """

    kwargs = _get_kwargs(
        competition=competition,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    competition: str,
    *,
    client: AuthenticatedClient,
) -> CompetitionRead | Problem | None:
    """Reveal the private leaderboard to everyone (host; revealing again changes nothing)

     Reveal the private leaderboard to everyone (host; revealing again changes nothing).

    Args:
        competition (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CompetitionRead | Problem
    """

    return sync_detailed(
        competition=competition,
        client=client,
    ).parsed


async def asyncio_detailed(
    competition: str,
    *,
    client: AuthenticatedClient,
) -> Response[CompetitionRead | Problem]:
    """Reveal the private leaderboard to everyone (host; revealing again changes nothing)

     Reveal the private leaderboard to everyone (host; revealing again changes nothing).

    Args:
        competition (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CompetitionRead | Problem]
    """

    kwargs = _get_kwargs(
        competition=competition,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    competition: str,
    *,
    client: AuthenticatedClient,
) -> CompetitionRead | Problem | None:
    """Reveal the private leaderboard to everyone (host; revealing again changes nothing)

     Reveal the private leaderboard to everyone (host; revealing again changes nothing).

    Args:
        competition (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CompetitionRead | Problem
    """

    return (
        await asyncio_detailed(
            competition=competition,
            client=client,
        )
    ).parsed
