from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.scoring_program_read import ScoringProgramRead
from ...models.upload_scoring_program_body import UploadScoringProgramBody
from ...types import Response


def _get_kwargs(
    competition: str,
    position: int,
    *,
    body: UploadScoringProgramBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/api/v1/competitions/{competition}/stages/{position}/scoring-program".format(
            competition=quote(str(competition), safe=""),
            position=quote(str(position), safe=""),
        ),
    }

    _kwargs["files"] = body.to_multipart()

    headers["Content-Type"] = "multipart/form-data; boundary=+++"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | ScoringProgramRead | None:
    if response.status_code == 200:
        response_200 = ScoringProgramRead.from_dict(response.json())

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

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

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
) -> Response[Problem | ScoringProgramRead]:
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
    body: UploadScoringProgramBody,
) -> Response[Problem | ScoringProgramRead]:
    """Give a stage a scoring program (host): it is tried at once on the stage's smoke sample, scoring the
    reference prediction

     Give a stage a scoring program (host): it is tried at once on the stage's smoke
    sample, scoring the reference predictions, and kept only if it succeeds.

    Refused with `scoring-program-failed` (422, with the program's `log_tail`) when the
    trial fails; the stage then keeps the program it had. The program's scores.json keys
    are what the stage's columns without a registry metric may use.

    Args:
        competition (str):
        position (int): The stage's position (1: the first stage).
        body (UploadScoringProgramBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ScoringProgramRead]
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
    body: UploadScoringProgramBody,
) -> Problem | ScoringProgramRead | None:
    """Give a stage a scoring program (host): it is tried at once on the stage's smoke sample, scoring the
    reference prediction

     Give a stage a scoring program (host): it is tried at once on the stage's smoke
    sample, scoring the reference predictions, and kept only if it succeeds.

    Refused with `scoring-program-failed` (422, with the program's `log_tail`) when the
    trial fails; the stage then keeps the program it had. The program's scores.json keys
    are what the stage's columns without a registry metric may use.

    Args:
        competition (str):
        position (int): The stage's position (1: the first stage).
        body (UploadScoringProgramBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ScoringProgramRead
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
    body: UploadScoringProgramBody,
) -> Response[Problem | ScoringProgramRead]:
    """Give a stage a scoring program (host): it is tried at once on the stage's smoke sample, scoring the
    reference prediction

     Give a stage a scoring program (host): it is tried at once on the stage's smoke
    sample, scoring the reference predictions, and kept only if it succeeds.

    Refused with `scoring-program-failed` (422, with the program's `log_tail`) when the
    trial fails; the stage then keeps the program it had. The program's scores.json keys
    are what the stage's columns without a registry metric may use.

    Args:
        competition (str):
        position (int): The stage's position (1: the first stage).
        body (UploadScoringProgramBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ScoringProgramRead]
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
    body: UploadScoringProgramBody,
) -> Problem | ScoringProgramRead | None:
    """Give a stage a scoring program (host): it is tried at once on the stage's smoke sample, scoring the
    reference prediction

     Give a stage a scoring program (host): it is tried at once on the stage's smoke
    sample, scoring the reference predictions, and kept only if it succeeds.

    Refused with `scoring-program-failed` (422, with the program's `log_tail`) when the
    trial fails; the stage then keeps the program it had. The program's scores.json keys
    are what the stage's columns without a registry metric may use.

    Args:
        competition (str):
        position (int): The stage's position (1: the first stage).
        body (UploadScoringProgramBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ScoringProgramRead
    """

    return (
        await asyncio_detailed(
            competition=competition,
            position=position,
            client=client,
            body=body,
        )
    ).parsed
