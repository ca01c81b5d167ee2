"""Blob storage: one interface, two backends: a local directory (the embedded default)
and Azure Blob Storage (production)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared.storage.base import (
    CONTAINERS,
    BlobNotFound,
    ContentMismatch,
    ObjectTooLarge,
    Storage,
    StorageError,
    StorageFull,
    StoredObject,
)
from shared.storage.local import LocalStorage

if TYPE_CHECKING:
    from shared.storage.azure import AzureBlobStorage

__all__ = [
    "CONTAINERS",
    "AzureBlobStorage",
    "BlobNotFound",
    "ContentMismatch",
    "LocalStorage",
    "ObjectTooLarge",
    "Storage",
    "StorageError",
    "StorageFull",
    "StoredObject",
]


def __getattr__(name: str) -> Any:
    # the Azure SDK takes ~0.6 s to import; the embedded default never needs it
    if name == "AzureBlobStorage":
        from shared.storage.azure import AzureBlobStorage

        return AzureBlobStorage
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
