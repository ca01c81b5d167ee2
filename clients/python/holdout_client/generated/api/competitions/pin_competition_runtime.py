from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.competition_read import CompetitionRead
from ...models.problem import Problem
from ...models.runtime_pin import RuntimePin
from ...types import Response


def _get_kwargs(
    competition: str,
    *,
    body: RuntimePin,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/api/v1/competitions/{competition}/runtime".format(
            competition=quote(str(competition), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CompetitionRead | Problem | None:
    if response.status_code == 200:
        response_200 = CompetitionRead.from_dict(response.json())

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
    body: RuntimePin,
) -> Response[CompetitionRead | Problem]:
    """Set the runtime and pin it to its current lock (host): recorded and listed to participants

     Set the runtime and pin it to its current lock (host): recorded and listed to participants.

    Sending the runtime it has pins it again to the runtime's lock as it is now; when
    neither the name nor the lock changed, nothing is recorded.

    Args:
        competition (str):
        body (RuntimePin):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CompetitionRead | Problem]
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
    body: RuntimePin,
) -> CompetitionRead | Problem | None:
    """Set the runtime and pin it to its current lock (host): recorded and listed to participants

     Set the runtime and pin it to its current lock (host): recorded and listed to participants.

    Sending the runtime it has pins it again to the runtime's lock as it is now; when
    neither the name nor the lock changed, nothing is recorded.

    Args:
        competition (str):
        body (RuntimePin):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CompetitionRead | Problem
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
    body: RuntimePin,
) -> Response[CompetitionRead | Problem]:
    """Set the runtime and pin it to its current lock (host): recorded and listed to participants

     Set the runtime and pin it to its current lock (host): recorded and listed to participants.

    Sending the runtime it has pins it again to the runtime's lock as it is now; when
    neither the name nor the lock changed, nothing is recorded.

    Args:
        competition (str):
        body (RuntimePin):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CompetitionRead | Problem]
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
    body: RuntimePin,
) -> CompetitionRead | Problem | None:
    """Set the runtime and pin it to its current lock (host): recorded and listed to participants

     Set the runtime and pin it to its current lock (host): recorded and listed to participants.

    Sending the runtime it has pins it again to the runtime's lock as it is now; when
    neither the name nor the lock changed, nothing is recorded.

    Args:
        competition (str):
        body (RuntimePin):

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
            body=body,
        )
    ).parsed
