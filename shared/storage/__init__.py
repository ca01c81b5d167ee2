"""Blob storage: one interface, a local-directory backend (Azure comes later)."""

from shared.storage.base import (
    CONTAINERS,
    BlobNotFound,
    ObjectTooLarge,
    Storage,
    StorageError,
    StoredObject,
)
from shared.storage.local import LocalStorage

__all__ = [
    "CONTAINERS",
    "BlobNotFound",
    "LocalStorage",
    "ObjectTooLarge",
    "Storage",
    "StorageError",
    "StoredObject",
]
