"""Webhooks against a real HTTP receiver on 127.0.0.1 (allowed by the operator's
setting): signatures that verify with the README's snippet, retries with backoff, the
delivery log, redelivery, disabling, and the SSRF guard (internal addresses refused at
registration, at delivery and at redirects)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from services.gateway.config import GatewaySettings
from services.gateway.webhooks.addresses import Policy
from services.gateway.webhooks.delivery import WebhookSender, backoff
from shared.events import utcnow
from tests.gateway.conftest import Gateway
from tests.gateway.test_consumers import queued, scored

README = Path(__file__).resolve().parents[2] / "README.md"
LATER = timedelta(hours=2)


def documented_verify() -> Callable[[str, str, bytes], bool]:
    """The receiver's check exactly as the README shows it."""
    section = README.read_text(encoding="utf-8").split("### Webhooks", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    namespace: dict[str, Any] = {}
    exec(code.group(1), namespace)  # our own README's snippet, run as a receiver would
    verify: Callable[[str, str, bytes], bool] = namespace["verify"]
    return verify


@dataclass
class Receiver:
    """A webhook receiver: answers each request with the next scripted response (then 200)."""

    url: str = ""
    script: list[web.Response] = field(default_factory=list)
    seen: list[tuple[dict[str, str], bytes, str]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.seen.append((dict(request.headers), await request.read(), request.path))
        return self.script.pop(0) if self.script else web.Response(status=200)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", rec.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    rec.url = f"http://127.0.0.1:{port}/hook"
    yield rec
    await runner.cleanup()


# the sender is driven by calling its tick (no loop running, nothing waits on a clock)
TEST_WEBHOOKS = {
    "webhook_allow_private_networks": ["127.0.0.1/32"],
    "webhook_poll_interval_s": 0,
    "webhook_max_attempts": 3,
    "webhook_backoff_base_s": 60,
    "webhook_disable_after": 2,
}


@pytest.fixture
async def wgw(make_gateway: Callable[..., Any]) -> AsyncIterator[Gateway]:
    async with make_gateway(**TEST_WEBHOOKS) as gateway:
        yield gateway


def sender(gw: Gateway) -> WebhookSender:
    assert gw.app is not None
    s: WebhookSender = gw.app.state.webhooks
    return s


async def hook(
    gw: Gateway, who: dict[str, str], url: str, slug: str = "titanic", **extra: Any
) -> dict[str, Any]:
    r = await gw.client.post(f"/api/v1/competitions/{slug}/webhooks", json={"url": url, **extra}, headers=who)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def reveal(gw: Gateway, who: dict[str, str], slug: str = "titanic") -> None:
    r = await gw.client.post(f"/api/v1/competitions/{slug}/reveal", headers=who)
    assert r.status_code == 200, r.text


async def log(gw: Gateway, who: dict[str, str], hook_id: str) -> list[dict[str, Any]]:
    r = await gw.client.get(f"/api/v1/webhooks/{hook_id}/deliveries", headers=who)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def test_a_delivery_is_signed_as_the_readme_says(wgw: Gateway, receiver: Receiver) -> None:
    host = await wgw.user("hana", is_host=True)
    await wgw.competition(host)
    created = await hook(wgw, host, receiver.url)
    assert created["secret"].startswith("whsec_")
    assert "secret" not in (await wgw.client.get(f"/api/v1/webhooks/{created['id']}", headers=host)).json()

    await reveal(wgw, host)
    (outcome,) = await sender(wgw).tick()
    assert outcome.status == "delivered"

    (headers, body, path) = receiver.seen[0]
    verify = documented_verify()
    assert path == "/hook"
    assert verify(created["secret"], headers["Holdout-Signature"], body)
    assert not verify(created["secret"], headers["Holdout-Signature"], body.replace(b"revealed", b"REVEALED"))
    assert not verify("whsec_another", headers["Holdout-Signature"], body)
    (revealed,) = wgw.of_type("competition.revealed")
    assert headers["Holdout-Event"] == str(revealed.event_id)
    assert headers["Holdout-Event-Type"] == "competition.revealed"
    payload = json.loads(body)
    assert payload["type"] == "competition.revealed"
    assert payload["competition_id"] == str(revealed.competition_id)
    (entry,) = await log(wgw, host, created["id"])
    assert headers["Holdout-Delivery"] == entry["id"]
    assert entry["status"] == "delivered" and entry["attempts"] == 1 and entry["last_status_code"] == 200


async def test_a_receiver_failing_twice_gets_the_event_on_the_third_attempt(
    wgw: Gateway, receiver: Receiver
) -> None:
    host = await wgw.user("hana", is_host=True)
    await wgw.competition(host)
    created = await hook(wgw, host, receiver.url)
    receiver.script = [web.Response(status=500), web.Response(status=503)]
    await reveal(wgw, host)

    now = utcnow()
    (first,) = await sender(wgw).tick(now)
    assert first.status == "pending" and first.status_code == 500
    assert await sender(wgw).tick(now) == []  # not due again before its backoff
    (entry,) = await log(wgw, host, created["id"])
    assert entry["attempts"] == 1 and entry["status"] == "pending"
    assert entry["last_error"] == "the endpoint answered 500"
    (second,) = await sender(wgw).tick(now + LATER)
    assert second.status == "pending" and second.status_code == 503
    (third,) = await sender(wgw).tick(now + 2 * LATER)
    assert third.status == "delivered"

    (entry,) = await log(wgw, host, created["id"])
    assert entry["status"] == "delivered" and entry["attempts"] == 3
    assert entry["last_status_code"] == 200 and entry["last_error"] is None and entry["delivered_at"]
    assert len(receiver.seen) == 3
    assert len({h["Holdout-Delivery"] for h, _, _ in receiver.seen}) == 1
    assert len({h["Holdout-Event"] for h, _, _ in receiver.seen}) == 1


async def test_redeliver_sends_the_event_again_as_a_new_delivery(wgw: Gateway, receiver: Receiver) -> None:
    host = await wgw.user("hana", is_host=True)
    await wgw.competition(host)
    created = await hook(wgw, host, receiver.url)
    await reveal(wgw, host)
    await sender(wgw).tick()
    (first,) = await log(wgw, host, created["id"])

    r = await wgw.client.post(
        f"/api/v1/webhooks/{created['id']}/deliveries/{first['id']}/redeliver", headers=host
    )
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "pending" and r.json()["event_id"] == first["event_id"]
    (again,) = await sender(wgw).tick()
    assert again.status == "delivered"
    assert [h["Holdout-Event"] for h, _, _ in receiver.seen] == [first["event_id"]] * 2
    assert receiver.seen[0][1] == receiver.seen[1][1]  # the same body
    entries = await log(wgw, host, created["id"])
    assert [e["status"] for e in entries] == ["delivered", "delivered"] and entries[0]["id"] == r.json()["id"]


async def test_an_endpoint_that_keeps_failing_is_disabled_with_the_reason(
    wgw: Gateway, receiver: Receiver
) -> None:
    host = await wgw.user("hana", is_host=True)
    await wgw.competition(host, "one")
    await wgw.competition(host, "two")
    # platform-wide (admin): the events of every competition
    r = await wgw.client.post(
        "/api/v1/webhooks",
        json={"url": receiver.url, "event_types": ["competition.revealed"]},
        headers=wgw.admin,
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["competition_id"] is None
    receiver.script = [web.Response(status=500) for _ in range(6)]
    await reveal(wgw, host, "one")
    await reveal(wgw, host, "two")

    now = utcnow()
    for step in range(3):
        outcomes = await sender(wgw).tick(now + step * LATER)
        assert len(outcomes) == 2
    assert {o.status for o in outcomes} == {"failed"}
    assert len(receiver.seen) == 6

    got = (await wgw.client.get(f"/api/v1/webhooks/{created['id']}", headers=wgw.admin)).json()
    assert got["enabled"] is False
    assert "2 deliveries in a row failed" in got["disabled_reason"]
    assert "the endpoint answered 500" in got["disabled_reason"]
    assert [e["status"] for e in await log(wgw, wgw.admin, created["id"])] == ["failed", "failed"]

    # no more deliveries while disabled; enabling it again clears the reason
    host_comp = await wgw.competition(host, "three")
    await reveal(wgw, host, host_comp["slug"])
    assert await sender(wgw).tick(now + 10 * LATER) == []
    r = await wgw.client.patch(f"/api/v1/webhooks/{created['id']}", json={"enabled": True}, headers=wgw.admin)
    assert r.status_code == 200 and r.json()["enabled"] and r.json()["disabled_reason"] is None


async def test_a_scored_submission_is_delivered_without_private_scores(
    wgw: Gateway, receiver: Receiver
) -> None:
    host = await wgw.user("hana", is_host=True)
    alice = await wgw.user("alice")
    await wgw.ready_competition(host)
    created = await hook(wgw, host, receiver.url, event_types=["submission.scored"])
    sub, q = await queued(wgw, alice)
    event = scored(q, 0.75)
    await wgw.bus.publish(event)
    await wgw.wait_status(sub["id"], alice, "scored")
    await wgw.bus.publish(event)  # a duplicate: one delivery all the same
    await wgw.consumed(event)

    (outcome,) = await sender(wgw).tick()
    assert outcome.status == "delivered"
    payload = json.loads(receiver.seen[0][1])
    assert payload["type"] == "submission.scored" and payload["event_id"] == str(event.event_id)
    assert payload["data"]["submission_id"] == sub["id"] and payload["data"]["public_score"] == 0.75
    assert "private_score" not in payload["data"] and "private_scores" not in payload["data"]
    assert len(await log(wgw, host, created["id"])) == 1


async def test_two_senders_send_a_delivery_once(wgw: Gateway, receiver: Receiver) -> None:
    host = await wgw.user("hana", is_host=True)
    await wgw.competition(host)
    await hook(wgw, host, receiver.url)
    await reveal(wgw, host)
    other = WebhookSender(wgw.runtime, wgw.settings)
    try:
        results = await asyncio.gather(sender(wgw).tick(), other.tick())
    finally:
        await other.stop()
    assert sorted(len(r) for r in results) == [0, 1]
    assert len(receiver.seen) == 1


INTERNAL = [
    "http://127.0.0.1/hook",
    "https://127.0.0.1/hook",
    "https://169.254.169.254/latest/meta-data/",
    "http://169.254.169.254/latest/meta-data/",
    "https://[::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://localhost/hook",
    "https://10.0.0.5/hook",
    "https://192.168.1.1/hook",
    "https://100.64.0.1/hook",
    "https://[fd00::1]/hook",
    "https://0.0.0.0/hook",
]


async def test_internal_addresses_are_refused(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    await gw.competition(host)
    for url in INTERNAL:
        r = await gw.client.post("/api/v1/competitions/titanic/webhooks", json={"url": url}, headers=host)
        assert r.status_code == 422, (url, r.text)
        assert r.json()["code"] == "webhook-url-refused", url
    # a name's internal address is not told (registering would map internal DNS)
    r = await gw.client.post(
        "/api/v1/competitions/titanic/webhooks", json={"url": "https://localhost/"}, headers=host
    )
    assert "127.0.0.1" not in r.json()["detail"] and "not public" in r.json()["detail"]


async def test_bad_urls_and_event_types_are_refused(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    await gw.competition(host)
    for body, what in (
        ({"url": "ftp://example.org/x"}, "https://"),
        ({"url": "https://user:pw@8.8.8.8/x"}, "password"),
        ({"url": "not a url"}, "https://"),
    ):
        r = await gw.client.post("/api/v1/competitions/titanic/webhooks", json=body, headers=host)
        assert r.status_code == 422 and what in r.json()["detail"], r.text
    r = await gw.client.post(
        "/api/v1/competitions/titanic/webhooks",
        json={"url": "https://8.8.8.8/x", "event_types": ["submission.queued"]},
        headers=host,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"][:2] == ["body", "event_types"], r.text


async def test_an_operator_allows_what_is_otherwise_refused(make_gateway: Callable[..., Any]) -> None:
    async with make_gateway(webhook_allow_private_networks=["169.254.169.254/32"]) as gw:
        host = await gw.user("hana", is_host=True)
        await gw.competition(host)
        await hook(gw, host, "http://169.254.169.254/latest/")
        r = await gw.client.post(
            "/api/v1/competitions/titanic/webhooks", json={"url": "http://127.0.0.1/"}, headers=host
        )
        assert r.status_code == 422


async def test_a_redirect_to_the_metadata_address_is_not_followed(wgw: Gateway, receiver: Receiver) -> None:
    host = await wgw.user("hana", is_host=True)
    await wgw.competition(host)
    created = await hook(wgw, host, receiver.url)
    receiver.script = [
        web.Response(status=307, headers={"Location": "/elsewhere"}),  # followed: same allowed host
        web.Response(status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}),
    ]
    await reveal(wgw, host)
    (outcome,) = await sender(wgw).tick()
    assert outcome.status == "pending"
    assert outcome.error is not None and "169.254.169.254 is a link-local address" in outcome.error
    assert [p for _, _, p in receiver.seen] == ["/hook", "/elsewhere"]
    (entry,) = await log(wgw, host, created["id"])
    assert "link-local" in entry["last_error"] and entry["last_status_code"] is None


async def test_every_attempt_checks_the_address_again(wgw: Gateway, receiver: Receiver) -> None:
    host = await wgw.user("hana", is_host=True)
    await wgw.competition(host)
    await hook(wgw, host, receiver.url)
    await reveal(wgw, host)
    wgw.settings.webhook_allow_private_networks = []  # the operator withdrew the allowance
    (outcome,) = await sender(wgw).tick()
    assert outcome.error is not None and "loopback" in outcome.error
    assert receiver.seen == []


async def test_only_the_host_and_admins_manage_webhooks(wgw: Gateway, receiver: Receiver) -> None:
    host = await wgw.user("hana", is_host=True)
    other_host = await wgw.user("oskar", is_host=True)
    alice = await wgw.user("alice")
    await wgw.competition(host)
    created = await hook(wgw, host, receiver.url)
    base = f"/api/v1/webhooks/{created['id']}"
    for who in (alice, other_host):
        r = await wgw.client.post(
            "/api/v1/competitions/titanic/webhooks", json={"url": receiver.url}, headers=who
        )
        assert r.status_code == 403, r.text
        assert (await wgw.client.get("/api/v1/competitions/titanic/webhooks", headers=who)).status_code == 403
        assert (await wgw.client.get(base, headers=who)).status_code == 404
        assert (await wgw.client.patch(base, json={"enabled": False}, headers=who)).status_code == 404
        assert (await wgw.client.delete(base, headers=who)).status_code == 404
        assert (await wgw.client.get(f"{base}/deliveries", headers=who)).status_code == 404
        r = await wgw.client.post("/api/v1/webhooks", json={"url": receiver.url}, headers=who)
        assert r.status_code == 403
        assert (await wgw.client.get("/api/v1/webhooks", headers=who)).status_code == 403
    assert (await wgw.client.get(base)).status_code == 401
    listed = (await wgw.client.get("/api/v1/competitions/titanic/webhooks", headers=wgw.admin)).json()
    assert [h["id"] for h in listed["items"]] == [created["id"]] and listed["total"] == 1
    assert (await wgw.client.delete(base, headers=host)).status_code == 204
    assert (await wgw.client.get(base, headers=host)).status_code == 404


def test_the_guard_refuses_every_internal_address() -> None:
    import ipaddress

    policy = Policy.from_cidrs(["10.20.0.0/16"], ["10.20.5.0/24"])
    for ip in (
        "127.0.0.2",
        "169.254.169.254",
        "10.1.2.3",
        "172.16.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "224.0.0.1",
    ):
        assert policy.refusal(ipaddress.ip_address(ip)) is not None, ip
    assert policy.refusal(ipaddress.ip_address("10.20.1.1")) is None  # allowed
    assert "denies" in (policy.refusal(ipaddress.ip_address("10.20.5.1")) or "")  # denied wins
    assert policy.refusal(ipaddress.ip_address("8.8.8.8")) is None


def test_backoff_doubles_up_to_the_cap() -> None:
    s = GatewaySettings(webhook_backoff_base_s=10, webhook_backoff_cap_s=60)
    waits = [backoff(s, n) for n in range(1, 7)]
    assert 8 <= waits[0] <= 10 and 16 <= waits[1] <= 20 and 32 <= waits[2] <= 40
    assert all(48 <= w <= 60 for w in waits[3:])


def test_networks_in_settings_must_be_cidrs() -> None:
    assert GatewaySettings(
        webhook_allow_private_networks="10.0.0.0/8, 127.0.0.1"
    ).webhook_allow_private_networks == [
        "10.0.0.0/8",
        "127.0.0.1/32",
    ]
    with pytest.raises(ValueError, match="not a network"):
        GatewaySettings(webhook_allow_private_networks="10.0.0.0/8,intranet")


def _certificate_for(name: str, directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for ``name`` alone (no IP address in it)."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


async def test_https_goes_to_the_checked_address_and_verifies_the_name(
    make_gateway: Callable[..., Any], tmp_path: Path
) -> None:
    """The connection goes to the resolved address, while SNI and the certificate check
    use the URL's name: a certificate for `localhost` only is accepted for
    https://localhost, and the same server is refused for https://127.0.0.1."""
    import ssl

    from services.gateway.webhooks.delivery import make_client

    cert, key = _certificate_for("localhost", tmp_path)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    rec = Receiver()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", rec.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_ctx)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with make_gateway(
            **{**TEST_WEBHOOKS, "webhook_allow_private_networks": ["127.0.0.0/8", "::1/128"]}
        ) as gw:
            client_ctx = ssl.create_default_context(cafile=str(cert))
            tls = WebhookSender(gw.runtime, gw.settings, make_client(gw.settings, verify=client_ctx))
            try:
                host = await gw.user("hana", is_host=True)
                await gw.competition(host)
                by_name = await hook(gw, host, f"https://localhost:{port}/hook")
                await reveal(gw, host)
                (outcome,) = await tls.tick()
                assert outcome.status == "delivered", outcome
                assert rec.seen[0][0]["Host"] == f"localhost:{port}"

                await gw.client.patch(
                    f"/api/v1/webhooks/{by_name['id']}",
                    json={"url": f"https://127.0.0.1:{port}/hook"},
                    headers=host,
                )
                (first,) = await log(gw, host, by_name["id"])
                r = await gw.client.post(
                    f"/api/v1/webhooks/{by_name['id']}/deliveries/{first['id']}/redeliver", headers=host
                )
                assert r.status_code == 202
                (refused,) = await tls.tick()
                assert (
                    refused.status == "pending" and refused.error and "CERTIFICATE" in refused.error.upper()
                )
                assert len(rec.seen) == 1
            finally:
                await tls.stop()
    finally:
        await runner.cleanup()


async def test_a_published_event_owes_deliveries_only_if_its_transaction_commits(
    wgw: Gateway, receiver: Receiver
) -> None:
    """Any ``add_event`` in the gateway (the stage clock's, say) enqueues its deliveries in
    the same transaction: rolled back, nothing is owed; committed, it is delivered."""
    import uuid

    from services.gateway.models import outbox
    from shared.db import add_event
    from shared.events import StageOpened

    host = await wgw.user("hana", is_host=True)
    comp = await wgw.competition(host)
    created = await hook(wgw, host, receiver.url, event_types=["stage.opened"])
    opened = StageOpened(
        competition_id=uuid.UUID(comp["id"]),
        stage_id=uuid.UUID(comp["id"]),
        position=1,
        name="Main",
        accepts_submissions=True,
    )

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon):
        async with wgw.runtime.sessionmaker() as session, session.begin():
            await add_event(session, outbox, opened)
            raise Abandon
    assert await log(wgw, host, created["id"]) == []
    async with wgw.runtime.sessionmaker() as session, session.begin():
        await add_event(session, outbox, opened)
    (outcome,) = await sender(wgw).tick()
    assert outcome.status == "delivered"
    assert json.loads(receiver.seen[0][1])["data"]["name"] == "Main"


async def test_retries_and_concurrent_senders_on_postgresql(
    make_gateway: Callable[..., Any], pg_database: Any, receiver: Receiver
) -> None:
    url = await pg_database("gateway")
    async with make_gateway(gateway_database_url=url, **TEST_WEBHOOKS) as gw:
        host = await gw.user("hana", is_host=True)
        for slug in ("one", "two", "three"):
            await gw.competition(host, slug)
        created = await hook(gw, host, receiver.url, slug="one")
        await reveal(gw, host, "one")
        receiver.script = [web.Response(status=500)]
        others = [WebhookSender(gw.runtime, gw.settings) for _ in range(3)]
        try:
            now = utcnow()
            first = await asyncio.gather(*(s.tick(now) for s in [sender(gw), *others]))
            assert sorted(len(r) for r in first) == [0, 0, 0, 1]
            second = await asyncio.gather(*(s.tick(now + LATER) for s in [sender(gw), *others]))
            assert [o.status for r in second for o in r] == ["delivered"]
        finally:
            for s in others:
                await s.stop()
        (entry,) = await log(gw, host, created["id"])
        assert entry["attempts"] == 2 and entry["status"] == "delivered" and len(receiver.seen) == 2


async def test_the_stage_clock_s_events_reach_the_webhooks(wgw: Gateway, receiver: Receiver) -> None:
    from services.gateway.stages.clock import StageClock

    host = await wgw.user("hana", is_host=True)
    t1 = utcnow() + timedelta(hours=1)
    await wgw.ready_competition(host, closes_at=t1.isoformat())
    await hook(wgw, host, receiver.url, event_types=["stage.closed"])
    clock = StageClock(wgw.runtime, wgw.settings)
    await clock.tick(utcnow())
    assert await sender(wgw).tick() == []  # stage.opened is not among its events
    await clock.tick(t1)
    (outcome,) = await sender(wgw).tick()
    assert outcome.status == "delivered"
    payload = json.loads(receiver.seen[0][1])
    assert payload["type"] == "stage.closed" and payload["data"]["position"] == 1
