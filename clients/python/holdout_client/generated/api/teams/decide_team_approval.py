from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.approval_decision import ApprovalDecision
from ...models.problem import Problem
from ...models.team_read import TeamRead
from ...types import Response


def _get_kwargs(
    competition: str,
    team_id: UUID,
    *,
    body: ApprovalDecision,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/competitions/{competition}/teams/{team_id}/approval".format(
            competition=quote(str(competition), safe=""),
            team_id=quote(str(team_id), safe=""),
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
    team_id: UUID,
    *,
    client: AuthenticatedClient,
    body: ApprovalDecision,
) -> Response[Problem | TeamRead]:
    """Approve a team, or refuse it with a reason it is shown (the host)

     Approve a team, or refuse it with a reason it is shown (the host). A decision can be
    changed later; it affects new submissions only.

    Args:
        competition (str):
        team_id (UUID):
        body (ApprovalDecision):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TeamRead]
    """

    kwargs = _get_kwargs(
        competition=competition,
        team_id=team_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    competition: str,
    team_id: UUID,
    *,
    client: AuthenticatedClient,
    body: ApprovalDecision,
) -> Problem | TeamRead | None:
    """Approve a team, or refuse it with a reason it is shown (the host)

     Approve a team, or refuse it with a reason it is shown (the host). A decision can be
    changed later; it affects new submissions only.

    Args:
        competition (str):
        team_id (UUID):
        body (ApprovalDecision):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TeamRead
    """

    return sync_detailed(
        competition=competition,
        team_id=team_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    competition: str,
    team_id: UUID,
    *,
    client: AuthenticatedClient,
    body: ApprovalDecision,
) -> Response[Problem | TeamRead]:
    """Approve a team, or refuse it with a reason it is shown (the host)

     Approve a team, or refuse it with a reason it is shown (the host). A decision can be
    changed later; it affects new submissions only.

    Args:
        competition (str):
        team_id (UUID):
        body (ApprovalDecision):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TeamRead]
    """

    kwargs = _get_kwargs(
        competition=competition,
        team_id=team_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    competition: str,
    team_id: UUID,
    *,
    client: AuthenticatedClient,
    body: ApprovalDecision,
) -> Problem | TeamRead | None:
    """Approve a team, or refuse it with a reason it is shown (the host)

     Approve a team, or refuse it with a reason it is shown (the host). A decision can be
    changed later; it affects new submissions only.

    Args:
        competition (str):
        team_id (UUID):
        body (ApprovalDecision):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TeamRead
    """

    return (
        await asyncio_detailed(
            competition=competition,
            team_id=team_id,
            client=client,
            body=body,
        )
    ).parsed
