from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.labels_read import LabelsRead
from ...models.problem import Problem
from ...types import File, Response


def _get_kwargs(
    competition: str,
    position: int,
    *,
    body: File,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/api/v1/competitions/{competition}/stages/{position}/smoke/labels".format(
            competition=quote(str(competition), safe=""),
            position=quote(str(position), safe=""),
        ),
    }

    _kwargs["content"] = body.payload
    headers["Content-Type"] = "application/octet-stream"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> LabelsRead | Problem | None:
    if response.status_code == 200:
        response_200 = LabelsRead.from_dict(response.json())

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

    if response.status_code == 408:
        response_408 = Problem.from_dict(response.json())

        return response_408

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if response.status_code == 507:
        response_507 = Problem.from_dict(response.json())

        return response_507

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[LabelsRead | Problem]:
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
    body: File,
) -> Response[LabelsRead | Problem]:
    """Upload the labels of a stage's smoke sample

     Upload the labels of a stage's smoke sample.

    Args:
        competition (str):
        position (int): The stage's position: 1 is the first.
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[LabelsRead | Problem]
    """

    kwargs = _get_kwargs(
        competition=competition,
        position=position,
        body=body,
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
    body: File,
) -> LabelsRead | Problem | None:
    """Upload the labels of a stage's smoke sample

     Upload the labels of a stage's smoke sample.

    Args:
        competition (str):
        position (int): The stage's position: 1 is the first.
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        LabelsRead | Problem
    """

    return sync_detailed(
        competition=competition,
        position=position,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    competition: str,
    position: int,
    *,
    client: AuthenticatedClient,
    body: File,
) -> Response[LabelsRead | Problem]:
    """Upload the labels of a stage's smoke sample

     Upload the labels of a stage's smoke sample.

    Args:
        competition (str):
        position (int): The stage's position: 1 is the first.
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[LabelsRead | Problem]
    """

    kwargs = _get_kwargs(
        competition=competition,
        position=position,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    competition: str,
    position: int,
    *,
    client: AuthenticatedClient,
    body: File,
) -> LabelsRead | Problem | None:
    """Upload the labels of a stage's smoke sample

     Upload the labels of a stage's smoke sample.

    Args:
        competition (str):
        position (int): The stage's position: 1 is the first.
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        LabelsRead | Problem
    """

    return (
        await asyncio_detailed(
            competition=competition,
            position=position,
            client=client,
            body=body,
        )
    ).parsed
