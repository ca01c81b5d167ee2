from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.final_selection_read import FinalSelectionRead
from ...models.final_selection_update import FinalSelectionUpdate
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    competition: str,
    *,
    body: FinalSelectionUpdate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/api/v1/competitions/{competition}/teams/mine/final-submissions".format(
            competition=quote(str(competition), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> FinalSelectionRead | Problem | None:
    if response.status_code == 200:
        response_200 = FinalSelectionRead.from_dict(response.json())

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
    body: FinalSelectionUpdate,
) -> Response[FinalSelectionRead | Problem]:
    """Choose up to final_count scored submissions of your team for the private board

     Choose up to `final_count` scored submissions of your team for the private board.

    An empty list goes back to the default: your best `final_count` public scores.
    Locked once the host reveals the private leaderboard.

    Args:
        competition (str):
        body (FinalSelectionUpdate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[FinalSelectionRead | Problem]
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
    body: FinalSelectionUpdate,
) -> FinalSelectionRead | Problem | None:
    """Choose up to final_count scored submissions of your team for the private board

     Choose up to `final_count` scored submissions of your team for the private board.

    An empty list goes back to the default: your best `final_count` public scores.
    Locked once the host reveals the private leaderboard.

    Args:
        competition (str):
        body (FinalSelectionUpdate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        FinalSelectionRead | Problem
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
    body: FinalSelectionUpdate,
) -> Response[FinalSelectionRead | Problem]:
    """Choose up to final_count scored submissions of your team for the private board

     Choose up to `final_count` scored submissions of your team for the private board.

    An empty list goes back to the default: your best `final_count` public scores.
    Locked once the host reveals the private leaderboard.

    Args:
        competition (str):
        body (FinalSelectionUpdate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[FinalSelectionRead | Problem]
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
    body: FinalSelectionUpdate,
) -> FinalSelectionRead | Problem | None:
    """Choose up to final_count scored submissions of your team for the private board

     Choose up to `final_count` scored submissions of your team for the private board.

    An empty list goes back to the default: your best `final_count` public scores.
    Locked once the host reveals the private leaderboard.

    Args:
        competition (str):
        body (FinalSelectionUpdate):

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
            body=body,
        )
    ).parsed
