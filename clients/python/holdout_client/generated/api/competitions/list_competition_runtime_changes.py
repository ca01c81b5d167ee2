from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.page_runtime_change_read import PageRuntimeChangeRead
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    competition: str,
    *,
    offset: int | Unset = 0,
    limit: int | Unset = 50,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["offset"] = offset

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/competitions/{competition}/runtime/changes".format(
            competition=quote(str(competition), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PageRuntimeChangeRead | Problem | None:
    if response.status_code == 200:
        response_200 = PageRuntimeChangeRead.from_dict(response.json())

        return response_200

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
) -> Response[PageRuntimeChangeRead | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    competition: str,
    *,
    client: AuthenticatedClient | Client,
    offset: int | Unset = 0,
    limit: int | Unset = 50,
) -> Response[PageRuntimeChangeRead | Problem]:
    """Every change of the competition's runtime or its pinned version, newest first

     Every change of the competition's runtime or its pinned version, newest first.

    Args:
        competition (str):
        offset (int | Unset): How many items to skip. Default: 0.
        limit (int | Unset): How many items to return. Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageRuntimeChangeRead | Problem]
    """

    kwargs = _get_kwargs(
        competition=competition,
        offset=offset,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    competition: str,
    *,
    client: AuthenticatedClient | Client,
    offset: int | Unset = 0,
    limit: int | Unset = 50,
) -> PageRuntimeChangeRead | Problem | None:
    """Every change of the competition's runtime or its pinned version, newest first

     Every change of the competition's runtime or its pinned version, newest first.

    Args:
        competition (str):
        offset (int | Unset): How many items to skip. Default: 0.
        limit (int | Unset): How many items to return. Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageRuntimeChangeRead | Problem
    """

    return sync_detailed(
        competition=competition,
        client=client,
        offset=offset,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    competition: str,
    *,
    client: AuthenticatedClient | Client,
    offset: int | Unset = 0,
    limit: int | Unset = 50,
) -> Response[PageRuntimeChangeRead | Problem]:
    """Every change of the competition's runtime or its pinned version, newest first

     Every change of the competition's runtime or its pinned version, newest first.

    Args:
        competition (str):
        offset (int | Unset): How many items to skip. Default: 0.
        limit (int | Unset): How many items to return. Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageRuntimeChangeRead | Problem]
    """

    kwargs = _get_kwargs(
        competition=competition,
        offset=offset,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    competition: str,
    *,
    client: AuthenticatedClient | Client,
    offset: int | Unset = 0,
    limit: int | Unset = 50,
) -> PageRuntimeChangeRead | Problem | None:
    """Every change of the competition's runtime or its pinned version, newest first

     Every change of the competition's runtime or its pinned version, newest first.

    Args:
        competition (str):
        offset (int | Unset): How many items to skip. Default: 0.
        limit (int | Unset): How many items to return. Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageRuntimeChangeRead | Problem
    """

    return (
        await asyncio_detailed(
            competition=competition,
            client=client,
            offset=offset,
            limit=limit,
        )
    ).parsed
