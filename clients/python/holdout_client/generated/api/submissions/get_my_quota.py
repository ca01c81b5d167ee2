from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.quota_read import QuotaRead
from ...types import Response


def _get_kwargs(
    competition: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/competitions/{competition}/quota".format(
            competition=quote(str(competition), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | QuotaRead | None:
    if response.status_code == 200:
        response_200 = QuotaRead.from_dict(response.json())

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
) -> Response[Problem | QuotaRead]:
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
) -> Response[Problem | QuotaRead]:
    """What your team has left today (UTC) of real and of smoke runs in the stage open now (else the latest
    that has opened), a

     What your team has left today (UTC) of real and of smoke runs in the stage open now
    (else the latest that has opened), and when it resets.

    Args:
        competition (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | QuotaRead]
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
) -> Problem | QuotaRead | None:
    """What your team has left today (UTC) of real and of smoke runs in the stage open now (else the latest
    that has opened), a

     What your team has left today (UTC) of real and of smoke runs in the stage open now
    (else the latest that has opened), and when it resets.

    Args:
        competition (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | QuotaRead
    """

    return sync_detailed(
        competition=competition,
        client=client,
    ).parsed


async def asyncio_detailed(
    competition: str,
    *,
    client: AuthenticatedClient,
) -> Response[Problem | QuotaRead]:
    """What your team has left today (UTC) of real and of smoke runs in the stage open now (else the latest
    that has opened), a

     What your team has left today (UTC) of real and of smoke runs in the stage open now
    (else the latest that has opened), and when it resets.

    Args:
        competition (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | QuotaRead]
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
) -> Problem | QuotaRead | None:
    """What your team has left today (UTC) of real and of smoke runs in the stage open now (else the latest
    that has opened), a

     What your team has left today (UTC) of real and of smoke runs in the stage open now
    (else the latest that has opened), and when it resets.

    Args:
        competition (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | QuotaRead
    """

    return (
        await asyncio_detailed(
            competition=competition,
            client=client,
        )
    ).parsed
