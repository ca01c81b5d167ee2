from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_webhook_deliveries_status_type_0 import (
    ListWebhookDeliveriesStatusType0,
)
from ...models.page_webhook_delivery_read import PageWebhookDeliveryRead
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    webhook: UUID,
    *,
    status: ListWebhookDeliveriesStatusType0 | None | Unset = UNSET,
    offset: int | Unset = 0,
    limit: int | Unset = 50,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, ListWebhookDeliveriesStatusType0):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    params["offset"] = offset

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/webhooks/{webhook}/deliveries".format(
            webhook=quote(str(webhook), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PageWebhookDeliveryRead | Problem | None:
    if response.status_code == 200:
        response_200 = PageWebhookDeliveryRead.from_dict(response.json())

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
) -> Response[PageWebhookDeliveryRead | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    webhook: UUID,
    *,
    client: AuthenticatedClient,
    status: ListWebhookDeliveriesStatusType0 | None | Unset = UNSET,
    offset: int | Unset = 0,
    limit: int | Unset = 50,
) -> Response[PageWebhookDeliveryRead | Problem]:
    """The webhook's delivery log, newest first: each event's status, attempts and last error

     The webhook's delivery log, newest first: each event's status, attempts and last error.

    Args:
        webhook (UUID):
        status (ListWebhookDeliveriesStatusType0 | None | Unset): Only deliveries in this state.
        offset (int | Unset): How many items to skip. Default: 0.
        limit (int | Unset): How many items to return. Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageWebhookDeliveryRead | Problem]
    """

    kwargs = _get_kwargs(
        webhook=webhook,
        status=status,
        offset=offset,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    webhook: UUID,
    *,
    client: AuthenticatedClient,
    status: ListWebhookDeliveriesStatusType0 | None | Unset = UNSET,
    offset: int | Unset = 0,
    limit: int | Unset = 50,
) -> PageWebhookDeliveryRead | Problem | None:
    """The webhook's delivery log, newest first: each event's status, attempts and last error

     The webhook's delivery log, newest first: each event's status, attempts and last error.

    Args:
        webhook (UUID):
        status (ListWebhookDeliveriesStatusType0 | None | Unset): Only deliveries in this state.
        offset (int | Unset): How many items to skip. Default: 0.
        limit (int | Unset): How many items to return. Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageWebhookDeliveryRead | Problem
    """

    return sync_detailed(
        webhook=webhook,
        client=client,
        status=status,
        offset=offset,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    webhook: UUID,
    *,
    client: AuthenticatedClient,
    status: ListWebhookDeliveriesStatusType0 | None | Unset = UNSET,
    offset: int | Unset = 0,
    limit: int | Unset = 50,
) -> Response[PageWebhookDeliveryRead | Problem]:
    """The webhook's delivery log, newest first: each event's status, attempts and last error

     The webhook's delivery log, newest first: each event's status, attempts and last error.

    Args:
        webhook (UUID):
        status (ListWebhookDeliveriesStatusType0 | None | Unset): Only deliveries in this state.
        offset (int | Unset): How many items to skip. Default: 0.
        limit (int | Unset): How many items to return. Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PageWebhookDeliveryRead | Problem]
    """

    kwargs = _get_kwargs(
        webhook=webhook,
        status=status,
        offset=offset,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    webhook: UUID,
    *,
    client: AuthenticatedClient,
    status: ListWebhookDeliveriesStatusType0 | None | Unset = UNSET,
    offset: int | Unset = 0,
    limit: int | Unset = 50,
) -> PageWebhookDeliveryRead | Problem | None:
    """The webhook's delivery log, newest first: each event's status, attempts and last error

     The webhook's delivery log, newest first: each event's status, attempts and last error.

    Args:
        webhook (UUID):
        status (ListWebhookDeliveriesStatusType0 | None | Unset): Only deliveries in this state.
        offset (int | Unset): How many items to skip. Default: 0.
        limit (int | Unset): How many items to return. Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PageWebhookDeliveryRead | Problem
    """

    return (
        await asyncio_detailed(
            webhook=webhook,
            client=client,
            status=status,
            offset=offset,
            limit=limit,
        )
    ).parsed
