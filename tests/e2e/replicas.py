"""A test harness for Holdout with several replicas of every service on one machine.

What it gives a test (tests/e2e/test_replicas.py, bench/p10_replicas.py):

- ``RoundRobinProxy``: a TCP proxy on loopback in front of one service's replicas, as a
  Kubernetes Service (kube-proxy) or an L4 load balancer is. Every accepted connection
  goes to the next replica in turn; a replica whose port refuses (dead, not started
  yet) is skipped, so a killed replica costs only the connections that were open to
  it. TCP, not HTTP: uploads, keep-alive and server-sent events pass as they are, and
  a connection stays on one replica for its life (as behind a real Service).
  ``ProxyThread`` runs the proxies on an event loop of their own, so a test that is
  busy (sampling, asserting) never stalls the platform's traffic.
- ``ReplicaPlatform``: ``holdout serve`` processes, ``replicas`` of every service, on
  the same PostgreSQL databases and RabbitMQ namespace, each service reached through
  its proxy: every ``HOLDOUT_<SERVICE>_URL`` (what clients and the services use) is the
  proxy's. ``kill_replica`` SIGKILLs one replica's process group, ``restart_replica``
  starts it again on its port and waits until it answers ``/readyz``.
- ``RunWatcher``: samples, every ``interval`` seconds, the host's processes for the
  marker a test's submissions put in their command line (a run's ``main.py`` re-execs
  itself with ``<prefix><n>`` as an argument, so the whole run carries it) and the
  orchestrator's ``executions`` rows that are ``running``: the most runs live at once,
  the most live at once of one submission (two means one submission ran in two
  places), every run seen (its pid, start time and orchestrator replica), when.
- ``BusSpy``: a private queue bound to every routing key of the namespace's exchange;
  counts each event id it receives, so an event published twice (two outbox relays
  sending one row) shows.

The services are the real ones; only the load balancer (the proxy) stands in for the
cluster's networking.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import secrets
import signal
import subprocess
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from holdout.processes import HOLDOUT, Platform, base_env, free_port
from shared.settings import SERVICES

# consumers first, so their durable queues exist before anything is published
START_ORDER = ("leaderboard", "scorer", "orchestrator", "gateway")


class RoundRobinProxy:
    """One listening port; each connection is piped to the next upstream that accepts."""

    def __init__(self, name: str, upstream_ports: list[int], port: int) -> None:
        self.name = name
        self.upstream_ports = upstream_ports
        self.port = port
        self.connections: Counter[int] = Counter()  # upstream index -> connections piped
        self.skipped: Counter[int] = Counter()  # upstream index -> connections it refused
        self.unserved = 0  # connections no upstream accepted
        self._next = 0
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port, backlog=512)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._pipes):
            task.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        n = len(self.upstream_ports)
        start, self._next = self._next, (self._next + 1) % n
        for k in range(n):
            index = (start + k) % n
            try:
                pair = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", self.upstream_ports[index]), timeout=2.0
                )
            except (OSError, TimeoutError):
                self.skipped[index] += 1  # dead or not listening yet: the next one
                continue
            self.connections[index] += 1
            return pair
        return None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream = await self._connect()
        if upstream is None:
            self.unserved += 1
            writer.close()
            return
        up_reader, up_writer = upstream
        task = asyncio.current_task()
        assert task is not None
        self._pipes.add(task)
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            self._pipes.discard(task)
            for w in (writer, up_writer):
                w.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(1 << 16):
            writer.write(chunk)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (OSError, asyncio.IncompleteReadError):
        # one side reset (a SIGKILLed replica): end the other side too, as a balancer does
        writer.transport.abort()


class ProxyThread:
    """The proxies, served by an event loop on a thread of their own."""

    def __init__(self, proxies: Iterable[RoundRobinProxy]) -> None:
        self.proxies = list(proxies)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="replica-proxies", daemon=True)

    def start(self) -> None:
        self._thread.start()
        for proxy in self.proxies:
            asyncio.run_coroutine_threadsafe(proxy.start(), self._loop).result(10)

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        for proxy in self.proxies:
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(proxy.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


_EXCEPTION_LINE = re.compile(r"^[\w.]+(Error|Exception): ")


class ReplicaExited(Exception):
    """A replica's process ended before it was ready (its start-up failed)."""

    def __init__(self, name: str, code: int | None, log: str) -> None:
        # the first exception line of the traceback ("asyncpg...UniqueViolationError: ...")
        errors = [line for line in log.splitlines() if _EXCEPTION_LINE.match(line)]
        self.name, self.code = name, code
        self.error = errors[0][:300] if errors else log[-300:]
        super().__init__(f"{name} exited ({code}) during start-up: {self.error}")


@dataclass
class ReplicaPlatform(Platform):
    """Holdout with ``replicas`` processes of every service behind one proxy each."""

    replicas: int = 2
    counts: dict[str, int] = field(default_factory=dict)  # service -> its replicas
    ports: dict[tuple[str, int], int] = field(default_factory=dict)
    proxies: dict[str, RoundRobinProxy] = field(default_factory=dict)
    database_urls: dict[str, str] = field(default_factory=dict)
    # per replica: extra environment (e.g. a runs folder of its own)
    replica_env: Callable[[str, int], dict[str, str]] | None = None
    kills: list[tuple[float, str, int]] = field(default_factory=list)  # (monotonic time, service, index)
    failed_starts: list[ReplicaExited] = field(default_factory=list)
    _proxy_thread: ProxyThread | None = None

    @staticmethod
    def key(service: str, index: int) -> str:
        return f"{service}-{index}"

    def replica_url(self, service: str, index: int) -> str:
        return f"http://127.0.0.1:{self.ports[(service, index)]}"

    def pid(self, service: str, index: int) -> int | None:
        proc = self.procs.get(self.key(service, index))
        return proc.pid if proc is not None and proc.poll() is None else None

    def pids(self, service: str) -> dict[int, int]:
        """pid -> replica index, of the live replicas of ``service``."""
        return {pid: i for i in range(self.counts[service]) if (pid := self.pid(service, i)) is not None}

    def start_replica(self, service: str, index: int) -> None:
        name = self.key(service, index)
        log = self.data_dir / f"{name}.log"
        self.logs[name] = log
        env = {**self.env, **(self.replica_env(service, index) if self.replica_env else {})}
        port = str(self.ports[(service, index)])
        self.procs[name] = subprocess.Popen(
            [HOLDOUT, "serve", service, "--port", port],
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    async def wait_replica_ready(self, service: str, index: int, timeout: float = 180.0) -> None:
        """Until the replica answers ``/readyz``; ``ReplicaExited`` at once if its process
        ends first (a start-up that failed), TimeoutError after ``timeout``."""
        name = self.key(service, index)
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.replica_url(service, index), timeout=5) as http:
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get("/readyz")).status_code == 200:
                        return
                proc = self.procs.get(name)
                if proc is None or proc.poll() is not None:
                    code = proc.returncode if proc is not None else None
                    raise ReplicaExited(name, code, self.replica_log(service, index))
                if time.monotonic() > deadline:
                    tail = self.replica_log(service, index)[-3000:]
                    raise TimeoutError(f"{name} not ready after {timeout:.0f} s\n{tail}")
                await asyncio.sleep(0.1)

    async def start_and_wait(self, service: str, index: int, tries: int = 2) -> None:
        """Start a replica and wait until it is ready; one whose start-up fails is started
        again (as Kubernetes restarts a crashed container), up to ``tries`` in all. Each
        failed start is kept in ``failed_starts``: a replica that cannot start beside its
        siblings is a finding, not noise. One whose port was taken before it bound (the
        harness chose it free, then something else got it) starts again on another port,
        not counted."""
        attempt = port_moves = 0
        while True:
            self.start_replica(service, index)
            try:
                await self.wait_replica_ready(service, index)
                return
            except ReplicaExited as exc:
                self.procs.pop(exc.name, None)
                if "address already in use" in exc.error and port_moves < 3:
                    # the harness's fault, not the replica's: its free port was taken (by a
                    # client's ephemeral port, or a server of a test beside this one) before
                    # it bound; it starts again on another, which its proxy then pipes to
                    port_moves += 1
                    self.move_port(service, index)
                    continue
                self.failed_starts.append(exc)
                attempt += 1
                if attempt == tries:
                    raise

    def move_port(self, service: str, index: int) -> None:
        self.ports[(service, index)] = port = free_port()
        self.proxies[service].upstream_ports[index] = port

    def kill_replica(self, service: str, index: int) -> None:
        """SIGKILL the replica's process group (what it started dies with it)."""
        self.kills.append((time.monotonic(), service, index))
        self.kill(self.key(service, index), signal.SIGKILL)

    async def restart_replica(self, service: str, index: int) -> None:
        await self.start_and_wait(service, index)

    def replica_log(self, service: str, index: int) -> str:
        path = self.logs.get(self.key(service, index))
        return path.read_text(errors="replace") if path and path.exists() else ""

    def internal_replica_client(self, service: str, index: int) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.replica_url(service, index),
            headers={"Authorization": f"Bearer {self.internal_token}"},
            timeout=60,
        )

    def stop_all(self) -> None:
        try:
            super().stop_all()
        finally:
            if self._proxy_thread is not None:
                self._proxy_thread.stop()
                self._proxy_thread = None


async def start_replicated(
    platform_dir: Path,
    runtimes_dir: Path,
    pg_database: Any,
    amqp_url: str,
    bus_namespace: str,
    *,
    replicas: int = 2,
    counts: dict[str, int] | None = None,
    env: dict[str, str] | None = None,
    replica_env: Callable[[str, int], dict[str, str]] | None = None,
) -> ReplicaPlatform:
    """Migrate once, start the proxies, then the replicas (consumers first) and wait
    until every one is ready. ``counts`` gives a service another number of replicas
    than ``replicas``. ``pg_database(name)`` makes an empty database, returns its URL."""
    base = base_env(platform_dir, runtimes_dir)
    base["HOLDOUT_INTERNAL_TOKEN"] = secrets.token_urlsafe(32)
    base["HOLDOUT_AMQP_URL"] = amqp_url
    base["HOLDOUT_BUS_NAMESPACE"] = bus_namespace
    base.update(env or {})
    p = ReplicaPlatform(
        base, base["HOLDOUT_ADMIN_TOKEN"], platform_dir, replicas=replicas, replica_env=replica_env
    )
    for name in SERVICES:
        p.counts[name] = (counts or {}).get(name, replicas)
        url = await pg_database(name)
        p.database_urls[name] = url
        base[f"HOLDOUT_{name.upper()}_DATABASE_URL"] = url
        # the URL every client and service uses is the proxy's (base_env chose a free port)
        proxy_port = int(base[f"HOLDOUT_{name.upper()}_URL"].rsplit(":", 1)[1])
        for i in range(p.counts[name]):
            p.ports[(name, i)] = free_port()
        upstreams = [p.ports[(name, i)] for i in range(p.counts[name])]
        p.proxies[name] = RoundRobinProxy(name, upstreams, proxy_port)
    await asyncio.to_thread(
        subprocess.run, [HOLDOUT, "migrate", "all"], env=base, check=True, capture_output=True
    )
    p._proxy_thread = ProxyThread(p.proxies.values())
    p._proxy_thread.start()
    try:
        for name in START_ORDER:
            # a service's replicas start together (as a Deployment's pods do); its queues
            # exist before the next service starts publishing
            await asyncio.gather(*(p.start_and_wait(name, i) for i in range(p.counts[name])))
    except BaseException:
        p.stop_all()
        raise
    return p


# --- watching runs ---------------------------------------------------------------


@dataclass(frozen=True)
class SeenRun:
    token: str  # the submission's marker
    pid: int
    started: int  # /proc/<pid>/stat starttime: (pid, started) names one process for good
    replica: int | None  # the orchestrator replica it runs under (None: not under one, e.g. a pod)


@dataclass
class RunWatcher:
    """Samples live runs (by marker) on a thread of its own, so a busy test loop does not
    slow it, and the orchestrator's ``running`` rows from the test's loop."""

    prefix: str
    orchestrator_db: str | None
    replica_pids: Callable[[], dict[int, int]]
    interval: float = 0.02
    samples: int = 0
    max_live: int = 0  # most runs live at once, all replicas together
    max_running_rows: int = 0
    running_rows_at: list[tuple[float, int]] = field(default_factory=list)  # (time, rows) when rows changed
    live_at: list[tuple[float, int]] = field(default_factory=list)  # (time, live runs) when it changed
    runs: dict[tuple[int, int], SeenRun] = field(default_factory=dict)
    first_seen: dict[tuple[int, int], float] = field(default_factory=dict)
    last_seen: dict[tuple[int, int], float] = field(default_factory=dict)
    # token -> the most of its runs live at once, where it was more than one
    overlaps: dict[str, int] = field(default_factory=dict)
    started_at: float = 0.0
    _task: asyncio.Task[None] | None = None
    _thread: threading.Thread | None = None
    _stopping: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pids: dict[int, int] = field(default_factory=dict)

    def start(self) -> RunWatcher:
        self.started_at = time.monotonic()
        self._thread = threading.Thread(target=self._scan_loop, name="run-watcher", daemon=True)
        self._thread.start()
        self._task = asyncio.create_task(self._rows_loop(), name="run-watcher-rows")
        return self

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 10)
            self._thread = None

    @property
    def samples_per_second(self) -> float:
        return self.samples / max(1e-9, time.monotonic() - self.started_at)

    def runs_near(self, at: float, before: float) -> list[SeenRun]:
        """Runs live at some time in ``[at - before, at]``."""
        with self._lock:
            return [
                self.runs[k]
                for k in self.runs
                if self.first_seen[k] <= at and self.last_seen[k] >= at - before
            ]

    async def sample(self) -> None:
        """One sample now (besides the thread's), e.g. just before a kill."""
        await asyncio.to_thread(self._sample_once)

    def _sample_once(self) -> None:
        with contextlib.suppress(RuntimeError):  # the platform changed its processes meanwhile
            self._pids = dict(self.replica_pids())
        found = scan_marked(self.prefix, self._pids)
        now = time.monotonic()
        per_token: Counter[str] = Counter()
        with self._lock:
            self.samples += 1
            for run in found:
                k = (run.pid, run.started)
                if k not in self.runs:
                    self.runs[k] = run
                    self.first_seen[k] = now
                self.last_seen[k] = now
                per_token[run.token] += 1
            for token, n in per_token.items():
                if n > 1:
                    self.overlaps[token] = max(self.overlaps.get(token, 0), n)
            if not self.live_at or self.live_at[-1][1] != len(found):
                self.live_at.append((now, len(found)))
            self.max_live = max(self.max_live, len(found))

    def _scan_loop(self) -> None:
        while not self._stopping.is_set():
            self._sample_once()
            self._stopping.wait(self.interval)

    async def _rows_loop(self) -> None:
        if self.orchestrator_db is None:
            return
        conn = await asyncpg.connect(self.orchestrator_db)
        try:
            while True:
                rows = await conn.fetchval("SELECT count(*) FROM executions WHERE status = 'running'")
                if not self.running_rows_at or self.running_rows_at[-1][1] != rows:
                    self.running_rows_at.append((time.monotonic(), rows))
                self.max_running_rows = max(self.max_running_rows, rows)
                await asyncio.sleep(0.05)
        finally:
            await conn.close()


def scan_marked(prefix: str, replica_pids: dict[int, int]) -> list[SeenRun]:
    """Host processes with an argument starting with ``prefix``, and the replica each
    runs under (found by walking up its parents)."""
    found = []
    needle = prefix.encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
            token = next((a for a in args if a.startswith(needle)), None)
            if token is None:
                continue
            pid = int(entry)
            started = _stat(pid)[19]  # field 22, starttime
        except (OSError, IndexError, ValueError):
            continue  # it ended while we looked
        found.append(SeenRun(token.decode(), pid, int(started), _replica_of(pid, replica_pids)))
    return found


def _stat(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as f:
        text = f.read()
    return text[text.rindex(")") + 2 :].split()  # after "(comm)": field 3 onwards


def _replica_of(pid: int, replica_pids: dict[int, int]) -> int | None:
    for _ in range(16):
        if pid in replica_pids:
            return replica_pids[pid]
        try:
            pid = int(_stat(pid)[1])  # field 4, ppid
        except (OSError, IndexError, ValueError):
            return None
        if pid <= 1:
            return None
    return None


# --- watching the bus ------------------------------------------------------------


# which service's outbox publishes each event type: a relay killed between publishing
# a batch and committing it publishes that batch again (at least once, by design)
PUBLISHER = {
    "execution": "orchestrator",
    "submission.scored": "scorer",
    "submission.scoring_failed": "scorer",
}


def publisher_of(event_type: str) -> str:
    return PUBLISHER.get(event_type, PUBLISHER.get(event_type.split(".")[0], "gateway"))


@dataclass
class BusSpy:
    """Counts every event published on a namespace's exchange, by event id."""

    amqp_url: str
    namespace: str
    received: Counter[str] = field(default_factory=Counter)  # event id -> deliveries
    types: dict[str, str] = field(default_factory=dict)  # event id -> type
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # monotonic
    _conn: Any = None

    async def start(self) -> BusSpy:
        import aio_pika

        self._conn = await aio_pika.connect_robust(self.amqp_url, timeout=10)
        channel = await self._conn.channel()
        # declared as RabbitBus declares it, so whichever comes first makes the same exchange
        exchange = await channel.declare_exchange(
            f"{self.namespace}.events", aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key="#")

        async def on_message(message: Any) -> None:
            event_id = message.message_id or ""
            self.received[event_id] += 1
            self.types[event_id] = message.routing_key or ""
            self.times[event_id].append(time.monotonic())
            await message.ack()

        await queue.consume(on_message)
        return self

    def published_twice(self, kills: Iterable[tuple[float, str, int]] = ()) -> dict[str, int]:
        """type -> how many of its events arrived more than once, leaving out those a kill
        explains: a replica of the event's publisher killed between the first receipt
        (less a second: the batch may have gone out just before) and the last."""
        out: dict[str, int] = defaultdict(int)
        for event_id, n in self.received.items():
            if n <= 1:
                continue
            kind = self.types[event_id]
            first, last = self.times[event_id][0], self.times[event_id][-1]
            explained = any(
                service == publisher_of(kind) and first - 1.0 <= t <= last for t, service, _ in kills
            )
            if not explained:
                out[kind] += 1
        return dict(out)

    def published_twice_after_kills(self, kills: list[tuple[float, str, int]]) -> dict[str, int]:
        """type -> duplicates that a kill of the publisher explains (reported, not failed)."""
        every = self.published_twice()
        unexplained = self.published_twice(kills)
        return {k: v - unexplained.get(k, 0) for k, v in every.items() if v - unexplained.get(k, 0)}

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None


# --- reading the services' databases ---------------------------------------------


async def outbox_events(db_url: str, event_type: str) -> list[dict[str, Any]]:
    """Every event of ``event_type`` a service staged in its outbox (rows stay once published)."""
    conn = await asyncpg.connect(db_url)
    try:
        rows = await conn.fetch("SELECT body FROM outbox WHERE type = $1 ORDER BY id", event_type)
    finally:
        await conn.close()
    return [json.loads(r["body"]) for r in rows]


async def fetch(db_url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(db_url)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


def cpu_ticks(pid: int) -> int:
    """User + system CPU of a process and its reaped children, in clock ticks."""
    fields = _stat(pid)
    return sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
