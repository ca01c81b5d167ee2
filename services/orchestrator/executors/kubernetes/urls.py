"""Short-lived URLs that let a run pod read its own archive and write its own predictions.

The pod gets no storage credentials: the init container gets a read-only SAS for exactly
``submissions/<competition>/<submission>.zip``, the runner a create/write SAS for exactly
``outputs/<submission>/<attempt>/predictions.csv``. Both expire soon after the run's
deadline. Signing is local (HMAC with the account key), no request to Azure.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

from azure.storage.blob import BlobSasPermissions, BlobServiceClient, generate_blob_sas

from shared.storage import StorageError


class BlobUrls(Protocol):
    def read_url(self, container: str, key: str, ttl: timedelta) -> str: ...

    def write_url(self, container: str, key: str, ttl: timedelta) -> str: ...


class AzureSasUrls:
    """Blob SAS URLs signed with the account key of an Azure Storage connection string.

    ``container_prefix`` must match the storage backend's (logical container ``outputs``
    is the Azure container ``<prefix>outputs``).
    """

    def __init__(self, connection_string: str, *, container_prefix: str = "") -> None:
        # the sync client only parses the connection string here; it never connects
        client = BlobServiceClient.from_connection_string(connection_string)
        key = getattr(client.credential, "account_key", None)
        if not key or not client.account_name:
            raise StorageError("SAS URLs need an account key in the Azure Storage connection string")
        self.account_name: str = client.account_name
        self._account_key: str = key
        self._endpoint = client.url.rstrip("/")
        self._prefix = container_prefix

    def _url(self, container: str, key: str, permission: BlobSasPermissions, ttl: timedelta) -> str:
        now = datetime.now(UTC)
        name = self._prefix + container
        token = generate_blob_sas(
            account_name=self.account_name,
            container_name=name,
            blob_name=key,
            account_key=self._account_key,
            permission=permission,
            start=now - timedelta(minutes=5),  # clocks that disagree with the storage service
            expiry=now + ttl,
            protocol="https" if self._endpoint.startswith("https://") else None,
        )
        return f"{self._endpoint}/{name}/{key}?{token}"

    def read_url(self, container: str, key: str, ttl: timedelta) -> str:
        return self._url(container, key, BlobSasPermissions(read=True), ttl)

    def write_url(self, container: str, key: str, ttl: timedelta) -> str:
        # create + write, no read: a retried upload may overwrite, nothing can be read back
        return self._url(container, key, BlobSasPermissions(create=True, write=True), ttl)
