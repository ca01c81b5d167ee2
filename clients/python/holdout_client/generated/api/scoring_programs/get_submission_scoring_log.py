from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    competition: str,
    submission: UUID,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/competitions/{competition}/submissions/{submission}/scoring-log".format(
            competition=quote(str(competition), safe=""),
            submission=quote(str(submission), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | Problem | str | None:
    if response.status_code == 200:
        response_200 = response.text
        return response_200

    if response.status_code == 307:
        response_307 = cast(Any, None)
        return response_307

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 416:
        response_416 = Problem.from_dict(response.json())

        return response_416

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
) -> Response[Any | Problem | str]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    competition: str,
    submission: UUID,
    *,
    client: AuthenticatedClient,
) -> Response[Any | Problem | str]:
    """The scoring program's log of a submission it failed on (host)

     The scoring program's log of a submission it failed on (host). Participants never
    see it: the program is the host's, and so is what it prints.

    Args:
        competition (str):
        submission (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem | str]
    """

    kwargs = _get_kwargs(
        competition=competition,
        submission=submission,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    competition: str,
    submission: UUID,
    *,
    client: AuthenticatedClient,
) -> Any | Problem | str | None:
    """The scoring program's log of a submission it failed on (host)

     The scoring program's log of a submission it failed on (host). Participants never
    see it: the program is the host's, and so is what it prints.

    Args:
        competition (str):
        submission (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem | str
    """

    return sync_detailed(
        competition=competition,
        submission=submission,
        client=client,
    ).parsed


async def asyncio_detailed(
    competition: str,
    submission: UUID,
    *,
    client: AuthenticatedClient,
) -> Response[Any | Problem | str]:
    """The scoring program's log of a submission it failed on (host)

     The scoring program's log of a submission it failed on (host). Participants never
    see it: the program is the host's, and so is what it prints.

    Args:
        competition (str):
        submission (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem | str]
    """

    kwargs = _get_kwargs(
        competition=competition,
        submission=submission,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    competition: str,
    submission: UUID,
    *,
    client: AuthenticatedClient,
) -> Any | Problem | str | None:
    """The scoring program's log of a submission it failed on (host)

     The scoring program's log of a submission it failed on (host). Participants never
    see it: the program is the host's, and so is what it prints.

    Args:
        competition (str):
        submission (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem | str
    """

    return (
        await asyncio_detailed(
            competition=competition,
            submission=submission,
            client=client,
        )
    ).parsed
