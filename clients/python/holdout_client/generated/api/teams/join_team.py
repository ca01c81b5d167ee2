from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.team_join import TeamJoin
from ...models.team_read import TeamRead
from ...types import Response


def _get_kwargs(
    competition: str,
    *,
    body: TeamJoin,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/competitions/{competition}/teams/join".format(
            competition=quote(str(competition), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | TeamRead | None:
    if response.status_code == 200:
        response_200 = TeamRead.from_dict(response.json())

        return response_200

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
) -> Response[Problem | TeamRead]:
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
    body: TeamJoin,
) -> Response[Problem | TeamRead]:
    """Join the team whose invite code you were given

     Join the team whose invite code you were given.

    Allowed when you have no team, or your team is yours alone and has not submitted
    (it is dissolved). Your quota is then the team's, used submissions included.

    Args:
        competition (str):
        body (TeamJoin):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TeamRead]
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
    body: TeamJoin,
) -> Problem | TeamRead | None:
    """Join the team whose invite code you were given

     Join the team whose invite code you were given.

    Allowed when you have no team, or your team is yours alone and has not submitted
    (it is dissolved). Your quota is then the team's, used submissions included.

    Args:
        competition (str):
        body (TeamJoin):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TeamRead
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
    body: TeamJoin,
) -> Response[Problem | TeamRead]:
    """Join the team whose invite code you were given

     Join the team whose invite code you were given.

    Allowed when you have no team, or your team is yours alone and has not submitted
    (it is dissolved). Your quota is then the team's, used submissions included.

    Args:
        competition (str):
        body (TeamJoin):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TeamRead]
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
    body: TeamJoin,
) -> Problem | TeamRead | None:
    """Join the team whose invite code you were given

     Join the team whose invite code you were given.

    Allowed when you have no team, or your team is yours alone and has not submitted
    (it is dissolved). Your quota is then the team's, used submissions included.

    Args:
        competition (str):
        body (TeamJoin):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TeamRead
    """

    return (
        await asyncio_detailed(
            competition=competition,
            client=client,
            body=body,
        )
    ).parsed
