from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.stage_read import StageRead
from ...models.stage_update import StageUpdate
from ...types import Response


def _get_kwargs(
    competition: str,
    position: int,
    *,
    body: StageUpdate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/api/v1/competitions/{competition}/stages/{position}".format(
            competition=quote(str(competition), safe=""),
            position=quote(str(position), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | StageRead | None:
    if response.status_code == 200:
        response_200 = StageRead.from_dict(response.json())

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
) -> Response[Problem | StageRead]:
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
    body: StageUpdate,
) -> Response[Problem | StageRead]:
    """Edit a stage (host): only the fields sent change

     Edit a stage (host): only the fields sent change. Stage 1's settings are the competition's own.

    Runs already queued keep the settings they were queued with.

    Args:
        competition (str):
        position (int): The stage's position: 1 is the first.
        body (StageUpdate): A partial edit: only the fields sent change (``null`` clears
            ``opens_at``, ``closes_at``,
            ``feed`` and the compute budgets). Stage 1's settings are the competition's own.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | StageRead]
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
    body: StageUpdate,
) -> Problem | StageRead | None:
    """Edit a stage (host): only the fields sent change

     Edit a stage (host): only the fields sent change. Stage 1's settings are the competition's own.

    Runs already queued keep the settings they were queued with.

    Args:
        competition (str):
        position (int): The stage's position: 1 is the first.
        body (StageUpdate): A partial edit: only the fields sent change (``null`` clears
            ``opens_at``, ``closes_at``,
            ``feed`` and the compute budgets). Stage 1's settings are the competition's own.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | StageRead
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
    body: StageUpdate,
) -> Response[Problem | StageRead]:
    """Edit a stage (host): only the fields sent change

     Edit a stage (host): only the fields sent change. Stage 1's settings are the competition's own.

    Runs already queued keep the settings they were queued with.

    Args:
        competition (str):
        position (int): The stage's position: 1 is the first.
        body (StageUpdate): A partial edit: only the fields sent change (``null`` clears
            ``opens_at``, ``closes_at``,
            ``feed`` and the compute budgets). Stage 1's settings are the competition's own.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | StageRead]
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
    body: StageUpdate,
) -> Problem | StageRead | None:
    """Edit a stage (host): only the fields sent change

     Edit a stage (host): only the fields sent change. Stage 1's settings are the competition's own.

    Runs already queued keep the settings they were queued with.

    Args:
        competition (str):
        position (int): The stage's position: 1 is the first.
        body (StageUpdate): A partial edit: only the fields sent change (``null`` clears
            ``opens_at``, ``closes_at``,
            ``feed`` and the compute budgets). Stage 1's settings are the competition's own.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | StageRead
    """

    return (
        await asyncio_detailed(
            competition=competition,
            position=position,
            client=client,
            body=body,
        )
    ).parsed
