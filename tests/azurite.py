"""pytest plugin: Azurite (the Azure Storage emulator, from ``npm ci``) for the tests.

Fixtures:
- ``azurite`` (session): one in-memory Azurite shared by the suite, an ``Azurite`` object
  (``.connection_string``, ``.endpoint``, ``.stop()``, ``.start()``).
- ``azurite_connection_string`` (session): its connection string.
- ``azure_storage`` (function): an ``AzureBlobStorage`` on the shared Azurite whose
  containers carry a fresh prefix, so tests never see each other's blobs.
- ``private_azurite`` (function): an Azurite of the test's own that persists to disk, for
  fault tests that stop and restart it and then look at what survived.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from shared.storage.azure import AzureBlobStorage

REPO = Path(__file__).resolve().parent.parent
AZURITE_BIN = REPO / "node_modules" / ".bin" / "azurite-blob"
# Azurite's fixed development account (public, documented by Microsoft)
ACCOUNT = "devstoreaccount1"
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Azurite:
    """One Azurite blob service on a fixed port; can be stopped and started again there."""

    def __init__(self, *, persist_to: Path | None = None) -> None:
        self.port = _free_port()
        self.persist_to = persist_to
        self.endpoint = f"http://127.0.0.1:{self.port}/{ACCOUNT}"
        self.connection_string = (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
            f"BlobEndpoint={self.endpoint};"
        )
        self._workdir = Path(tempfile.mkdtemp(prefix="holdout-azurite-"))
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 30) -> None:
        if not AZURITE_BIN.exists():
            pytest.fail(f"Azurite is not installed ({AZURITE_BIN} missing): run `npm ci` (make install does)")
        args = [str(AZURITE_BIN), "--blobHost", "127.0.0.1", "--blobPort", str(self.port)]
        args += ["--skipApiVersionCheck", "--disableTelemetry", "--loose", "--silent"]
        if self.persist_to is None:
            args += ["--inMemoryPersistence"]
        else:
            args += ["--location", str(self.persist_to)]
        log = (self._workdir / "azurite.log").open("ab")
        self._proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=self._workdir)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"Azurite exited with {self._proc.returncode}:\n{self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(
            f"Azurite did not listen on port {self.port} within {timeout} s:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        """Stop the emulator (SIGTERM, then SIGKILL); the port closes before this returns."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_tail(self, lines: int = 30) -> str:
        path = self._workdir / "azurite.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self._workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    server = Azurite()
    server.start()
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def azurite_connection_string(azurite: Azurite) -> str:
    return azurite.connection_string


@pytest.fixture
async def azure_storage(azurite: Azurite) -> AsyncIterator[AzureBlobStorage]:
    if not azurite.running:  # a test that stopped the shared emulator must not break the next
        azurite.start()
    storage = AzureBlobStorage(azurite.connection_string, container_prefix=f"t{uuid.uuid4().hex[:8]}-")
    yield storage
    await storage.close()


@pytest.fixture
def private_azurite() -> Iterator[Azurite]:
    location = Path(tempfile.mkdtemp(prefix="holdout-azurite-data-"))
    server = Azurite(persist_to=location)
    server.start()
    yield server
    server.cleanup()
    shutil.rmtree(location, ignore_errors=True)
