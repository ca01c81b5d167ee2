from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.rescore_read import RescoreRead
from ...types import UNSET, Response, Unset


def _get_kwargs(
    competition: str,
    *,
    stage: int | Unset = 1,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["stage"] = stage

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/competitions/{competition}/rescore".format(
            competition=quote(str(competition), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | RescoreRead | None:
    if response.status_code == 200:
        response_200 = RescoreRead.from_dict(response.json())

        return response_200

    if response.status_code == 202:
        response_202 = RescoreRead.from_dict(response.json())

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

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

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
) -> Response[Problem | RescoreRead]:
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
    stage: int | Unset = 1,
) -> Response[Problem | RescoreRead]:
    """Score every scored submission of a stage again with its current labels and scoring (host)

     Score every scored submission of a stage again with its current labels and scoring (host).

    Asking again with nothing changed returns the same rescoring (200) and starts nothing.

    Args:
        competition (str):
        stage (int | Unset): The stage to rescore, by position (default: the first). Default: 1.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | RescoreRead]
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
    stage: int | Unset = 1,
) -> Problem | RescoreRead | None:
    """Score every scored submission of a stage again with its current labels and scoring (host)

     Score every scored submission of a stage again with its current labels and scoring (host).

    Asking again with nothing changed returns the same rescoring (200) and starts nothing.

    Args:
        competition (str):
        stage (int | Unset): The stage to rescore, by position (default: the first). Default: 1.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | RescoreRead
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
    stage: int | Unset = 1,
) -> Response[Problem | RescoreRead]:
    """Score every scored submission of a stage again with its current labels and scoring (host)

     Score every scored submission of a stage again with its current labels and scoring (host).

    Asking again with nothing changed returns the same rescoring (200) and starts nothing.

    Args:
        competition (str):
        stage (int | Unset): The stage to rescore, by position (default: the first). Default: 1.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | RescoreRead]
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
    stage: int | Unset = 1,
) -> Problem | RescoreRead | None:
    """Score every scored submission of a stage again with its current labels and scoring (host)

     Score every scored submission of a stage again with its current labels and scoring (host).

    Asking again with nothing changed returns the same rescoring (200) and starts nothing.

    Args:
        competition (str):
        stage (int | Unset): The stage to rescore, by position (default: the first). Default: 1.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | RescoreRead
    """

    return (
        await asyncio_detailed(
            competition=competition,
            client=client,
            stage=stage,
        )
    ).parsed
