from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.webhook_create import WebhookCreate
from ...models.webhook_created import WebhookCreated
from ...types import Response


def _get_kwargs(
    competition: str,
    *,
    body: WebhookCreate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/competitions/{competition}/webhooks".format(
            competition=quote(str(competition), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | WebhookCreated | None:
    if response.status_code == 201:
        response_201 = WebhookCreated.from_dict(response.json())

        return response_201

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
) -> Response[Problem | WebhookCreated]:
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
    body: WebhookCreate,
) -> Response[Problem | WebhookCreated]:
    """Register an HTTPS endpoint for the competition's events (host)

     Register an HTTPS endpoint for the competition's events (host).

    The answer carries the signing `secret`, shown only this once. The URL must resolve to public
    addresses only: loopback, link-local (169.254.169.254), private and other internal addresses
    are refused, at registration and at every delivery and redirect.

    Every delivery is a `POST` of a JSON body with the headers `Holdout-Event` (the event's id:
    deduplicate on it, a delivery may come more than once), `Holdout-Event-Type`, `Holdout-Delivery`
    (this delivery's id) and `Holdout-Signature: t=<unix seconds>,v1=<hex>`, where `v1` is
    HMAC-SHA256 with the webhook's secret over `f"{t}.{body}"` (the raw body bytes). Check it
    before trusting the body, and refuse a `t` more than 5 minutes old:

    ```python
    import hashlib, hmac, time
    def verify(secret: str, header: str, body: bytes) -> bool:
        parts = dict(p.split("=", 1) for p in header.split(","))
        mac = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(mac, parts["v1"]) and abs(time.time() - int(parts["t"])) < 300
    ```

    Any 2xx answer is success; anything else (or no answer within the timeout) is retried with
    growing waits, and an endpoint that keeps failing is disabled with the reason.

    Args:
        competition (str):
        body (WebhookCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookCreated]
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
    body: WebhookCreate,
) -> Problem | WebhookCreated | None:
    """Register an HTTPS endpoint for the competition's events (host)

     Register an HTTPS endpoint for the competition's events (host).

    The answer carries the signing `secret`, shown only this once. The URL must resolve to public
    addresses only: loopback, link-local (169.254.169.254), private and other internal addresses
    are refused, at registration and at every delivery and redirect.

    Every delivery is a `POST` of a JSON body with the headers `Holdout-Event` (the event's id:
    deduplicate on it, a delivery may come more than once), `Holdout-Event-Type`, `Holdout-Delivery`
    (this delivery's id) and `Holdout-Signature: t=<unix seconds>,v1=<hex>`, where `v1` is
    HMAC-SHA256 with the webhook's secret over `f"{t}.{body}"` (the raw body bytes). Check it
    before trusting the body, and refuse a `t` more than 5 minutes old:

    ```python
    import hashlib, hmac, time
    def verify(secret: str, header: str, body: bytes) -> bool:
        parts = dict(p.split("=", 1) for p in header.split(","))
        mac = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(mac, parts["v1"]) and abs(time.time() - int(parts["t"])) < 300
    ```

    Any 2xx answer is success; anything else (or no answer within the timeout) is retried with
    growing waits, and an endpoint that keeps failing is disabled with the reason.

    Args:
        competition (str):
        body (WebhookCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WebhookCreated
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
    body: WebhookCreate,
) -> Response[Problem | WebhookCreated]:
    """Register an HTTPS endpoint for the competition's events (host)

     Register an HTTPS endpoint for the competition's events (host).

    The answer carries the signing `secret`, shown only this once. The URL must resolve to public
    addresses only: loopback, link-local (169.254.169.254), private and other internal addresses
    are refused, at registration and at every delivery and redirect.

    Every delivery is a `POST` of a JSON body with the headers `Holdout-Event` (the event's id:
    deduplicate on it, a delivery may come more than once), `Holdout-Event-Type`, `Holdout-Delivery`
    (this delivery's id) and `Holdout-Signature: t=<unix seconds>,v1=<hex>`, where `v1` is
    HMAC-SHA256 with the webhook's secret over `f"{t}.{body}"` (the raw body bytes). Check it
    before trusting the body, and refuse a `t` more than 5 minutes old:

    ```python
    import hashlib, hmac, time
    def verify(secret: str, header: str, body: bytes) -> bool:
        parts = dict(p.split("=", 1) for p in header.split(","))
        mac = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(mac, parts["v1"]) and abs(time.time() - int(parts["t"])) < 300
    ```

    Any 2xx answer is success; anything else (or no answer within the timeout) is retried with
    growing waits, and an endpoint that keeps failing is disabled with the reason.

    Args:
        competition (str):
        body (WebhookCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookCreated]
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
    body: WebhookCreate,
) -> Problem | WebhookCreated | None:
    """Register an HTTPS endpoint for the competition's events (host)

     Register an HTTPS endpoint for the competition's events (host).

    The answer carries the signing `secret`, shown only this once. The URL must resolve to public
    addresses only: loopback, link-local (169.254.169.254), private and other internal addresses
    are refused, at registration and at every delivery and redirect.

    Every delivery is a `POST` of a JSON body with the headers `Holdout-Event` (the event's id:
    deduplicate on it, a delivery may come more than once), `Holdout-Event-Type`, `Holdout-Delivery`
    (this delivery's id) and `Holdout-Signature: t=<unix seconds>,v1=<hex>`, where `v1` is
    HMAC-SHA256 with the webhook's secret over `f"{t}.{body}"` (the raw body bytes). Check it
    before trusting the body, and refuse a `t` more than 5 minutes old:

    ```python
    import hashlib, hmac, time
    def verify(secret: str, header: str, body: bytes) -> bool:
        parts = dict(p.split("=", 1) for p in header.split(","))
        mac = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(mac, parts["v1"]) and abs(time.time() - int(parts["t"])) < 300
    ```

    Any 2xx answer is success; anything else (or no answer within the timeout) is retried with
    growing waits, and an endpoint that keeps failing is disabled with the reason.

    Args:
        competition (str):
        body (WebhookCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WebhookCreated
    """

    return (
        await asyncio_detailed(
            competition=competition,
            client=client,
            body=body,
        )
    ).parsed
