"""P11: the Kubernetes executor with 2,000 pods at once: pod ended -> outcome recorded.

Kubernetes is faked (no cluster can run here): the real ``KubernetesExecutor`` and
kubernetes_asyncio client talk HTTP to ``tests/orchestrator/kubernetes/fakekube.py``,
whose pods are run by ``idlekubelet.py`` (a kubelet that runs nothing: each pod is
Pending, Running, then Succeeded after 1-5 s). The fake API server and its kubelet run
in a process of their own, so the event loop measured is the orchestrator's alone.

A burst of 2,000 runs is started at once; each run's outcome counts as recorded when
``run`` hands it back (the scheduler's commit is not part of this), and is then
released (its collected pod deleted) as the scheduler's finaliser step would; released
at once, with no commit in between, no run's collected mark has gone out yet, so none
is sent (behind a real commit some are: at most 4 in flight, in the background). Per run:
the time from the kubelet writing the pod's end (wall clock, same machine) to the
outcome handed back; the API requests the server saw, per run (lists and watches
included). Baseline, in the same run: the same burst with the scale fixes disabled:
every watch event wakes every waiting run (one shared event, as before), the client's
HTTP session trusts the environment (``~/.netrc`` and proxy look-ups per request in
the default thread pool), all 2,000 creations go out at once and each run marks its
pod collected before it hands the outcome back (today the mark is sent in the
background, and dropped once the pod is released). On a shared machine
the latencies move with the load; the CPU seconds of each process are shown too.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import machine, summary
from services.orchestrator.executors.kubernetes.watcher import PodWatcher

RUNS = 2000
SECONDS = (1.0, 5.0)
GOAL_P99_S = 1.0
GOAL_REQUESTS = 5.0


def _serve(port: Any, stop: Any) -> None:
    """The child process: the fake API server and its idle kubelet, until ``stop``."""
    from aiohttp import web

    from tests.orchestrator.kubernetes.fakekube import FakeKube
    from tests.orchestrator.kubernetes.idlekubelet import IdleKubelet

    async def main() -> None:
        kube = FakeKube(bookmark_seconds=5.0)
        kubelet = IdleKubelet(kube, seconds=SECONDS, start_seconds=0.2).attach()

        async def stats(request: web.Request) -> web.Response:
            methods = Counter(m for m, p, q in kube.requests if not p.startswith("/_bench"))
            return web.json_response(
                {
                    "ended_at": kubelet.ended_at,
                    "requests": dict(methods),
                    "created": {n: len(t) for n, t in kube.created.items()},
                    "pods_left": len(kube.pods),
                    "cpu_s": time.process_time(),
                }
            )

        app = kube.app()
        app.router.add_get("/_bench", stats)
        runner = web.AppRunner(app, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port.value = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        while not stop.is_set():  # noqa: ASYNC110 - a multiprocessing event, not an asyncio one
            await asyncio.sleep(0.2)
        await kubelet.close()
        await runner.cleanup()

    asyncio.run(main())


async def _lag(samples: list[float], stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        t0 = loop.time()
        await asyncio.sleep(0.05)
        samples.append(loop.time() - t0 - 0.05)


async def burst(*, fixed: bool, runs: int = RUNS) -> dict[str, Any]:
    import aiohttp
    import structlog
    from kubernetes_asyncio.client import ApiClient, Configuration

    from services.orchestrator.executors.kubernetes.config import KubernetesSettings
    from services.orchestrator.executors.kubernetes.executor import KubernetesExecutor, make_api_client
    from services.orchestrator.executors.kubernetes.objects import pod_name
    from shared.storage import LocalStorage
    from tests.orchestrator.kubernetes.conftest import FakeUrls, make_request

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(30))  # warnings and up
    ctx = multiprocessing.get_context("spawn")
    port, stop = ctx.Value("i", 0), ctx.Event()
    server = ctx.Process(target=_serve, args=(port, stop), daemon=True)
    server.start()
    try:
        while not port.value:  # noqa: ASYNC110 - set by the server process
            await asyncio.sleep(0.05)
        url = f"http://127.0.0.1:{port.value}"
        settings = KubernetesSettings(
            api_url=url,
            runtime_images={"default": "rt:1"},
            pending_timeout_seconds=600,
            # the baseline creates every pod at once, as before
            **({} if fixed else {"create_concurrency": 10**6}),
        )
        if fixed:
            api_client = await make_api_client(settings)
        else:
            api_client = ApiClient(Configuration(host=url))  # the client's own session: trust_env=True
        with tempfile.TemporaryDirectory() as tmp:
            executor = KubernetesExecutor(LocalStorage(Path(tmp)), FakeUrls(), settings, api_client)
            if not fixed:
                executor.watcher = AllWakeWatcher(executor.api, settings)
            requests = [make_request() for _ in range(runs)]
            recorded: dict[str, float] = {}
            failed = 0

            async def one(request: Any) -> None:
                nonlocal failed
                outcome = await executor.run(request)
                name = pod_name(request.submission_id, request.attempt)
                if not fixed:  # as before: the collected mark went out before run handed back
                    await executor._mark(name, outcome)
                recorded[name] = time.time()
                failed += outcome.failure_reason is not None
                await executor.release(request)

            lag: list[float] = []
            stop_lag = asyncio.Event()
            lagger = asyncio.create_task(_lag(lag, stop_lag))
            t0, cpu0 = time.perf_counter(), time.process_time()
            await asyncio.gather(*(one(r) for r in requests))
            elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            stop_lag.set()
            await lagger
            wakeups = executor.watcher.wakeups
            await executor.close()
        async with aiohttp.ClientSession() as session, session.get(f"{url}/_bench") as response:
            stats = await response.json()
    finally:
        stop.set()
        server.join(10)
        if server.is_alive():
            server.kill()
    ended = stats["ended_at"]
    latencies = [recorded[name] - ended[name] for name in recorded]
    requests_total = sum(stats["requests"].values())
    return {
        "runs": runs,
        "failed": failed,
        "latency_s": summary(latencies),
        "api_requests_per_run": requests_total / runs,
        "requests": stats["requests"],
        "created_twice": sum(1 for n in stats["created"].values() if n > 1),
        "pods_left": stats["pods_left"],
        "wakeups": wakeups,
        "loop_lag_s": summary(lag or [0.0]),
        "elapsed_s": elapsed,
        "orchestrator_cpu_s": cpu,
        "server_cpu_s": stats["cpu_s"],
    }


class AllWakeWatcher(PodWatcher):
    """The watcher as it was: one shared event, so every change wakes every waiting run."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shared = asyncio.Event()

    def tick(self, name: str) -> asyncio.Event:
        return self._shared

    def _changed(self, name: str) -> None:
        self._changed_all()

    def _changed_all(self) -> None:
        shared, self._shared = self._shared, asyncio.Event()
        self.wakeups += len(shared._waiters)  # type: ignore[attr-defined]  # the runs it wakes
        shared.set()


def _text(r: dict[str, Any]) -> str:
    lat = r["latency_s"]
    return (
        f"{r['runs']} pods: ended -> recorded p50 {lat['p50']:.2f} s, p99 {lat['p99']:.2f} s; "
        f"{r['api_requests_per_run']:.2f} API requests/run; {r['wakeups']} wake-ups; "
        f"loop lag p99 {r['loop_lag_s']['p99'] * 1000:.0f} ms; {r['failed']} failed, "
        f"{r['created_twice']} created twice; {r['elapsed_s']:.1f} s (CPU: orchestrator "
        f"{r['orchestrator_cpu_s']:.1f} s, fake API server {r['server_cpu_s']:.1f} s)"
    )


async def run(runs: int = RUNS) -> dict[str, Any]:
    baseline = await burst(fixed=False, runs=runs)
    holdout = await burst(fixed=True, runs=runs)
    p99 = holdout["latency_s"]["p99"]
    per_run = holdout["api_requests_per_run"]
    return {
        "measure": "pod ended -> outcome recorded, p99 s, 2,000 pods at once (fake API server)",
        "value": p99,
        "p99": p99,
        "api_requests_per_run": per_run,
        "goal": f"<= {GOAL_P99_S} s, api_requests_per_run <= {GOAL_REQUESTS}",
        "met": p99 <= GOAL_P99_S and per_run <= GOAL_REQUESTS and holdout["failed"] == 0,
        "holdout": holdout,
        "baseline": baseline,
        "holdout_text": _text(holdout),
        "baseline_text": "scale fixes off (all-wake watcher, trust_env session, unbounded creates, "
        "mark before hand-back): " + _text(baseline),
        "machine": machine(),
        "method": (
            f"{RUNS} runs started at once on the real KubernetesExecutor and kubernetes_asyncio client "
            "against the fake API server (tests/orchestrator/kubernetes/fakekube.py) with a kubelet that "
            f"runs nothing (idlekubelet.py: pods end {SECONDS[0]:g}-{SECONDS[1]:g} s after they start), "
            "the server in its own process. Per run: kubelet's wall-clock time of writing the pod's end "
            "-> run() handing the outcome back (then release(), deleting the collected pod). API "
            "requests per run: every request the server saw (create, log, the collected mark if it went "
            "out before the release, which drops it, delete, plus the watcher's list and watches) / runs. "
            "Baseline: the same burst, same process layout, "
            "with every watch event waking every waiting run, the client's trust_env=True session and "
            "all creations at once (no create_concurrency bound), and the collected mark sent before "
            "run() hands back (as before the background Collector)."
        ),
    }
