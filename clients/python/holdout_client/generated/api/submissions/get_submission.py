from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.submission_read import SubmissionRead
from ...types import Response


def _get_kwargs(
    submission_id: UUID,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/submissions/{submission_id}".format(
            submission_id=quote(str(submission_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | SubmissionRead | None:
    if response.status_code == 200:
        response_200 = SubmissionRead.from_dict(response.json())

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
) -> Response[Problem | SubmissionRead]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    submission_id: UUID,
    *,
    client: AuthenticatedClient,
) -> Response[Problem | SubmissionRead]:
    """One submission of your team (or of a competition you host)

     One submission of your team (or of a competition you host). While it is queued,
    `queue` tells its place in the fair-share order and its estimated start; poll this to
    follow it.

    Args:
        submission_id (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SubmissionRead]
    """

    kwargs = _get_kwargs(
        submission_id=submission_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    submission_id: UUID,
    *,
    client: AuthenticatedClient,
) -> Problem | SubmissionRead | None:
    """One submission of your team (or of a competition you host)

     One submission of your team (or of a competition you host). While it is queued,
    `queue` tells its place in the fair-share order and its estimated start; poll this to
    follow it.

    Args:
        submission_id (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SubmissionRead
    """

    return sync_detailed(
        submission_id=submission_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    submission_id: UUID,
    *,
    client: AuthenticatedClient,
) -> Response[Problem | SubmissionRead]:
    """One submission of your team (or of a competition you host)

     One submission of your team (or of a competition you host). While it is queued,
    `queue` tells its place in the fair-share order and its estimated start; poll this to
    follow it.

    Args:
        submission_id (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SubmissionRead]
    """

    kwargs = _get_kwargs(
        submission_id=submission_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    submission_id: UUID,
    *,
    client: AuthenticatedClient,
) -> Problem | SubmissionRead | None:
    """One submission of your team (or of a competition you host)

     One submission of your team (or of a competition you host). While it is queued,
    `queue` tells its place in the fair-share order and its estimated start; poll this to
    follow it.

    Args:
        submission_id (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SubmissionRead
    """

    return (
        await asyncio_detailed(
            submission_id=submission_id,
            client=client,
        )
    ).parsed
