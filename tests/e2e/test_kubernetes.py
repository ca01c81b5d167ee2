"""The orchestrator configured for Kubernetes runs submissions through to the leaderboard.

Real: `holdout up` as a process with ``HOLDOUT_EXECUTOR=kubernetes`` and
``HOLDOUT_STORAGE_BACKEND=azure``; the orchestrator's ``KubernetesExecutor`` with the
real ``kubernetes_asyncio`` client over HTTP; Azurite as the storage account; the SAS
URLs the executor signs; the pod's own code (``fetch`` in the init container, the
runner in the main container), run with the pod's command, arguments, mounts and
environment; scoring and the leaderboard.

Faked: the Kubernetes API server (``tests/orchestrator/kubernetes/fakekube.py``) and the
node (``kubelet.py``): images are not pulled, the pod's security context, resource
limits and deadline are not enforced, the data volume is a directory filled from the
``data`` container instead of a Blob CSI mount, and the network is the host's. No
real cluster is involved (see deploy/README.md, "What was verified").
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from holdout.digits import DigitsData
from holdout.processes import Platform, base_env
from shared.storage.azure import AzureBlobStorage
from tests.azurite import Azurite
from tests.conftest import make_traversable_dir
from tests.e2e.test_whole_path import whole_path
from tests.orchestrator.kubernetes.fakekube import FakeKube
from tests.orchestrator.kubernetes.kubelet import FakeKubelet

pytestmark = pytest.mark.e2e

HELPER_IMAGE = "holdout-service:test"
RUNTIME_IMAGE = "holdout-runtime-default:test"


@pytest.fixture
async def cluster(azurite: Azurite, runtimes_dir: Path) -> AsyncIterator[tuple[FakeKube, FakeKubelet, str]]:
    """The fake API server and node; the node's data volume reads the ``data`` container."""
    if not azurite.running:
        azurite.start()
    prefix = f"k{uuid.uuid4().hex[:8]}-"
    storage = AzureBlobStorage(azurite.connection_string, container_prefix=prefix)
    kube = FakeKube()
    runner = await kube.start()
    workdir = make_traversable_dir("holdout-kubelet-")

    async def fill_data(subpath: str, dest: Path) -> None:
        for key in await storage.list("data", subpath.rstrip("/") + "/"):
            await storage.download_to("data", key, dest / key.rsplit("/", 1)[1])

    kubelet = FakeKubelet(kube, workdir, runtimes_dir / "default", HELPER_IMAGE, fill_data).attach()
    try:
        yield kube, kubelet, prefix
    finally:
        await kubelet.close()
        await runner.cleanup()
        await storage.close()
        shutil.rmtree(workdir, ignore_errors=True)


async def test_submissions_run_as_pods_through_to_the_leaderboard(
    azurite: Azurite,
    cluster: tuple[FakeKube, FakeKubelet, str],
    platform_dir: Path,
    runtimes_dir: Path,
    digits: DigitsData,
    digits_zips: dict[str, Path],
) -> None:
    kube, kubelet, prefix = cluster
    env = base_env(platform_dir, runtimes_dir)
    env.update(
        HOLDOUT_STORAGE_BACKEND="azure",
        HOLDOUT_AZURE_STORAGE_CONNECTION_STRING=azurite.connection_string,
        HOLDOUT_AZURE_CONTAINER_PREFIX=prefix,
        HOLDOUT_EXECUTOR="kubernetes",
        HOLDOUT_KUBERNETES_API_URL=kube.url,
        HOLDOUT_KUBERNETES_NAMESPACE=kube.namespace,
        HOLDOUT_KUBERNETES_HELPER_IMAGE=HELPER_IMAGE,
        HOLDOUT_KUBERNETES_RUNTIME_IMAGES=json.dumps({"default": RUNTIME_IMAGE}),
    )
    p = Platform(env, env["HOLDOUT_ADMIN_TOKEN"], platform_dir)
    p.start("up", "up")
    try:
        async with p.client() as c:
            await c.wait_ready(60)
        # the strong model is scored and ranked; the broken one's predictions are refused
        await whole_path(p, digits, digits_zips)
    finally:
        p.stop_all()

    creates = [path for method, path, _ in kube.requests if method == "POST"]
    # a pod per submission (the host's trial, the strong and the broken one), each ran
    # once: no attempt was lost to a platform fault
    assert len(creates) == 3 and len(kubelet.ran) == 3, p.dump_logs()
    assert not kube.pods  # every pod deleted once its log was read
    logs = [q for method, path, q in kube.requests if path.endswith("/log")]
    assert len(logs) == 3 and all(q["container"] == "run" and int(q["limitBytes"]) > 0 for q in logs)
    watches = kube.watch_requests()
    assert watches and all(q["allowWatchBookmarks"].lower() == "true" for q in watches)
