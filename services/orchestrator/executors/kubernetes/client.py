"""The Kubernetes API client the executor uses (kubernetes_asyncio over aiohttp).

``make_api_client`` picks the credentials (``api_url`` for tests and ``kubectl proxy``,
else in-cluster, else the kubeconfig) and gives the client an HTTP session that does
not consult the environment (``without_env``): at 2,000 runs in flight the per-request
look-up of ``~/.netrc`` and the proxy variables was what saturated the event loop.

``api_timeout`` is the timeout of one call: connecting and each read, not the wait for
a free connection of the pool (100), which 2,000 runs in flight make long without
anything being wrong; a total would fail healthy calls in a burst.
"""

from __future__ import annotations

import contextlib

import aiohttp
from kubernetes_asyncio import client, config
from kubernetes_asyncio.client import ApiClient

from services.orchestrator.executors.kubernetes.config import KubernetesSettings

# the client's own read buffer: one watch event may carry a large object
READ_BUFSIZE = 2**21


async def make_api_client(settings: KubernetesSettings) -> ApiClient:
    """An API client: ``api_url`` (no auth), else in-cluster, else the kubeconfig."""
    if settings.api_url:
        configuration = client.Configuration(host=settings.api_url)
        return without_env(ApiClient(configuration))
    if settings.kubeconfig is None:
        with contextlib.suppress(config.ConfigException):
            config.load_incluster_config()  # type: ignore[no-untyped-call]
            return without_env(ApiClient())
    await config.load_kube_config(config_file=settings.kubeconfig)
    return without_env(ApiClient())


def without_env(api_client: ApiClient) -> ApiClient:
    """kubernetes_asyncio makes its aiohttp session with ``trust_env=True`` and offers no
    setting for it: every request then looks for ``~/.netrc`` and the proxy variables,
    in the default thread pool (28% of the event loop's time at 2,000 runs). The client
    takes its proxy from its ``Configuration`` and sends it with each request anyway, so
    the session is replaced by one on the same connector that leaves the environment
    alone; ``detach`` hands the connector over without closing it."""
    rest = api_client.rest_client
    old: aiohttp.ClientSession = rest.pool_manager
    rest.pool_manager = aiohttp.ClientSession(
        connector=old.connector, trust_env=False, read_bufsize=READ_BUFSIZE
    )
    old.detach()
    return api_client


def api_timeout(settings: KubernetesSettings) -> aiohttp.ClientTimeout:
    seconds = settings.api_timeout_seconds
    return aiohttp.ClientTimeout(total=None, sock_connect=seconds, sock_read=seconds)
