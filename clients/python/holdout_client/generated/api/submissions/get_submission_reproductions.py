from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.reproduction_report import ReproductionReport
from ...types import UNSET, Response, Unset


def _get_kwargs(
    submission_id: UUID,
    *,
    tolerance: float | None | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_tolerance: float | None | Unset
    if isinstance(tolerance, Unset):
        json_tolerance = UNSET
    else:
        json_tolerance = tolerance
    params["tolerance"] = json_tolerance

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/submissions/{submission_id}/reproductions".format(
            submission_id=quote(str(submission_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | ReproductionReport | None:
    if response.status_code == 200:
        response_200 = ReproductionReport.from_dict(response.json())

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
) -> Response[Problem | ReproductionReport]:
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
    tolerance: float | None | Unset = UNSET,
) -> Response[Problem | ReproductionReport]:
    """The original's scores and resources beside each re-run's, and whether they agree (host)

     The original's scores and resources beside each re-run's, and whether they agree
    (host).

    Args:
        submission_id (UUID):
        tolerance (float | None | Unset): Judge with this tolerance (default: the latest
            request's).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ReproductionReport]
    """

    kwargs = _get_kwargs(
        submission_id=submission_id,
        tolerance=tolerance,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    submission_id: UUID,
    *,
    client: AuthenticatedClient,
    tolerance: float | None | Unset = UNSET,
) -> Problem | ReproductionReport | None:
    """The original's scores and resources beside each re-run's, and whether they agree (host)

     The original's scores and resources beside each re-run's, and whether they agree
    (host).

    Args:
        submission_id (UUID):
        tolerance (float | None | Unset): Judge with this tolerance (default: the latest
            request's).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ReproductionReport
    """

    return sync_detailed(
        submission_id=submission_id,
        client=client,
        tolerance=tolerance,
    ).parsed


async def asyncio_detailed(
    submission_id: UUID,
    *,
    client: AuthenticatedClient,
    tolerance: float | None | Unset = UNSET,
) -> Response[Problem | ReproductionReport]:
    """The original's scores and resources beside each re-run's, and whether they agree (host)

     The original's scores and resources beside each re-run's, and whether they agree
    (host).

    Args:
        submission_id (UUID):
        tolerance (float | None | Unset): Judge with this tolerance (default: the latest
            request's).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ReproductionReport]
    """

    kwargs = _get_kwargs(
        submission_id=submission_id,
        tolerance=tolerance,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    submission_id: UUID,
    *,
    client: AuthenticatedClient,
    tolerance: float | None | Unset = UNSET,
) -> Problem | ReproductionReport | None:
    """The original's scores and resources beside each re-run's, and whether they agree (host)

     The original's scores and resources beside each re-run's, and whether they agree
    (host).

    Args:
        submission_id (UUID):
        tolerance (float | None | Unset): Judge with this tolerance (default: the latest
            request's).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ReproductionReport
    """

    return (
        await asyncio_detailed(
            submission_id=submission_id,
            client=client,
            tolerance=tolerance,
        )
    ).parsed
