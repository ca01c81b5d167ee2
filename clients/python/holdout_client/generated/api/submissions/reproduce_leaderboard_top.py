from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.board_reproduction_create import BoardReproductionCreate
from ...models.board_reproductions import BoardReproductions
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    competition: str,
    *,
    body: BoardReproductionCreate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/competitions/{competition}/reproductions".format(
            competition=quote(str(competition), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BoardReproductions | Problem | None:
    if response.status_code == 202:
        response_202 = BoardReproductions.from_dict(response.json())

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
) -> Response[BoardReproductions | Problem]:
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
    body: BoardReproductionCreate,
) -> Response[BoardReproductions | Problem]:
    """Re-run the submissions of a stage's top top public-board entries, count times each (host); all of
    them are checked befor

     Re-run the submissions of a stage's top `top` public-board entries, `count` times
    each (host); all of them are checked before any is queued.

    Args:
        competition (str):
        body (BoardReproductionCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BoardReproductions | Problem]
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
    body: BoardReproductionCreate,
) -> BoardReproductions | Problem | None:
    """Re-run the submissions of a stage's top top public-board entries, count times each (host); all of
    them are checked befor

     Re-run the submissions of a stage's top `top` public-board entries, `count` times
    each (host); all of them are checked before any is queued.

    Args:
        competition (str):
        body (BoardReproductionCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BoardReproductions | Problem
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
    body: BoardReproductionCreate,
) -> Response[BoardReproductions | Problem]:
    """Re-run the submissions of a stage's top top public-board entries, count times each (host); all of
    them are checked befor

     Re-run the submissions of a stage's top `top` public-board entries, `count` times
    each (host); all of them are checked before any is queued.

    Args:
        competition (str):
        body (BoardReproductionCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BoardReproductions | Problem]
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
    body: BoardReproductionCreate,
) -> BoardReproductions | Problem | None:
    """Re-run the submissions of a stage's top top public-board entries, count times each (host); all of
    them are checked befor

     Re-run the submissions of a stage's top `top` public-board entries, `count` times
    each (host); all of them are checked before any is queued.

    Args:
        competition (str):
        body (BoardReproductionCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BoardReproductions | Problem
    """

    return (
        await asyncio_detailed(
            competition=competition,
            client=client,
            body=body,
        )
    ).parsed
