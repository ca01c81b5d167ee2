from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    submission_id: UUID,
    *,
    full: bool | Unset = False,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["full"] = full

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/submissions/{submission_id}/log".format(
            submission_id=quote(str(submission_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | Problem | str | None:
    if response.status_code == 200:
        response_200 = response.text
        return response_200

    if response.status_code == 206:
        response_206 = cast(Any, None)
        return response_206

    if response.status_code == 304:
        response_304 = cast(Any, None)
        return response_304

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

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

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
    submission_id: UUID,
    *,
    client: AuthenticatedClient,
    full: bool | Unset = False,
) -> Response[Any | Problem | str]:
    """The captured stdout and stderr of the run (a bounded tail); the host downloads the whole stored log
    with full=true

     The captured stdout and stderr of the run (a bounded tail); the host downloads the
    whole stored log with `full=true`.

    Args:
        submission_id (UUID):
        full (bool | Unset): The whole stored log, streamed as a file (hosts only). Default:
            False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem | str]
    """

    kwargs = _get_kwargs(
        submission_id=submission_id,
        full=full,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    submission_id: UUID,
    *,
    client: AuthenticatedClient,
    full: bool | Unset = False,
) -> Any | Problem | str | None:
    """The captured stdout and stderr of the run (a bounded tail); the host downloads the whole stored log
    with full=true

     The captured stdout and stderr of the run (a bounded tail); the host downloads the
    whole stored log with `full=true`.

    Args:
        submission_id (UUID):
        full (bool | Unset): The whole stored log, streamed as a file (hosts only). Default:
            False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem | str
    """

    return sync_detailed(
        submission_id=submission_id,
        client=client,
        full=full,
    ).parsed


async def asyncio_detailed(
    submission_id: UUID,
    *,
    client: AuthenticatedClient,
    full: bool | Unset = False,
) -> Response[Any | Problem | str]:
    """The captured stdout and stderr of the run (a bounded tail); the host downloads the whole stored log
    with full=true

     The captured stdout and stderr of the run (a bounded tail); the host downloads the
    whole stored log with `full=true`.

    Args:
        submission_id (UUID):
        full (bool | Unset): The whole stored log, streamed as a file (hosts only). Default:
            False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem | str]
    """

    kwargs = _get_kwargs(
        submission_id=submission_id,
        full=full,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    submission_id: UUID,
    *,
    client: AuthenticatedClient,
    full: bool | Unset = False,
) -> Any | Problem | str | None:
    """The captured stdout and stderr of the run (a bounded tail); the host downloads the whole stored log
    with full=true

     The captured stdout and stderr of the run (a bounded tail); the host downloads the
    whole stored log with `full=true`.

    Args:
        submission_id (UUID):
        full (bool | Unset): The whole stored log, streamed as a file (hosts only). Default:
            False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem | str
    """

    return (
        await asyncio_detailed(
            submission_id=submission_id,
            client=client,
            full=full,
        )
    ).parsed
