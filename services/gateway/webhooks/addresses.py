"""The webhook SSRF guard: a webhook reaches public addresses only.

A webhook URL is the one place a user makes Holdout's own network send requests, so it
must never reach the platform's internal services, the cloud metadata endpoint
(169.254.169.254) or anything else inside the cluster. ``check`` resolves the host (the
system resolver, in a thread) and refuses the URL if ANY address it resolves to is
loopback, link-local, private (RFC 1918, fc00::/7), shared (100.64/10), unspecified,
multicast, reserved or otherwise not globally routable, or inside the operator's denied
networks, unless it lies in a network the operator allowed
(``HOLDOUT_WEBHOOK_ALLOW_PRIVATE_NETWORKS``). Plain ``http://`` is accepted only where
every address is in an allowed network.

The sender connects to the address checked here, never to the name again (see
``Target.request_url``): a DNS answer that changes between the check and the connection
(DNS rebinding) cannot move the request. It checks again at every redirect.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# a resolver that never answers must not hold a request (or the sender) for long
RESOLVE_TIMEOUT_S = 10.0


class AddressRefused(Exception):
    """The URL may not be a webhook's (``str(exc)`` says why, for the host to read)."""


@dataclass(frozen=True)
class Policy:
    allowed: tuple[IPNetwork, ...] = ()
    denied: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_cidrs(cls, allowed: Sequence[str], denied: Sequence[str] = ()) -> Policy:
        return cls(
            tuple(ipaddress.ip_network(c, strict=False) for c in allowed),
            tuple(ipaddress.ip_network(c, strict=False) for c in denied),
        )

    def is_allowed(self, ip: IPAddress) -> bool:
        ip = _unmapped(ip)
        return any(ip in net for net in self.allowed if net.version == ip.version)

    def refusal(self, ip: IPAddress) -> str | None:
        """Why ``ip`` may not be reached, or None."""
        ip = _unmapped(ip)
        if any(ip in net for net in self.denied if net.version == ip.version):
            return f"{ip} is in a network the operator denies"
        if self.is_allowed(ip):
            return None
        kind = _kind(ip)
        return None if kind is None else f"{ip} is a {kind} address"


def _unmapped(ip: IPAddress) -> IPAddress:
    # ::ffff:127.0.0.1 is 127.0.0.1 on the wire
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _kind(ip: IPAddress) -> str | None:
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_private:
        return "private"
    if ip.is_reserved:
        return "reserved"
    if not ip.is_global:
        return "non-public"
    return None


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``ip``) and what to tell the server (``host``)."""

    scheme: str
    host: str
    port: int
    path: str
    ip: IPAddress

    @property
    def request_url(self) -> str:
        """The URL with the checked address in place of the name (the connection goes there)."""
        where = f"[{self.ip}]" if self.ip.version == 6 else str(self.ip)
        return f"{self.scheme}://{where}:{self.port}{self.path}"

    @property
    def host_header(self) -> str:
        name = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return name if self.port == default else f"{name}:{self.port}"

    @property
    def extensions(self) -> dict[str, str]:
        """For HTTPS: the name to send in SNI and to verify the certificate against."""
        return {"sni_hostname": self.host} if self.scheme == "https" else {}


def split(url: str) -> tuple[str, str, int, str]:
    """scheme, host, port, path+query of an absolute http(s) URL; AddressRefused otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise AddressRefused(f"{url!r} is not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise AddressRefused(f"the URL must start with https:// (not {parts.scheme or 'nothing'}://)")
    if not parts.hostname:
        raise AddressRefused("the URL names no host")
    if parts.username is not None or parts.password is not None:
        raise AddressRefused("the URL may not carry a user name or password (the signature authenticates)")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, parts.hostname.lower(), port or (443 if scheme == "https" else 80), path


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


async def resolve(host: str, port: int) -> list[IPAddress]:
    literal = _literal(host)
    if literal is not None:
        return [literal]
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT_S):
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise AddressRefused(f"the host {host!r} does not resolve ({exc})") from None
    except TimeoutError:
        raise AddressRefused(f"the host {host!r} did not resolve within {RESOLVE_TIMEOUT_S:g}s") from None
    found: list[IPAddress] = []
    for info in infos:
        # a scoped IPv6 address ("fe80::1%eth0") is link-local whatever its scope
        ip = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if ip not in found:
            found.append(ip)
    if not found:
        raise AddressRefused(f"the host {host!r} has no address")
    return found


async def check(url: str, policy: Policy) -> Target:
    """The URL's target, checked after resolution; AddressRefused saying why not."""
    scheme, host, port, path = split(url)
    addresses = await resolve(host, port)
    literal = addresses == [_literal(host)]
    for ip in addresses:
        why = policy.refusal(ip)
        if why is not None:
            # an internal name's address is not told (registering would map internal DNS)
            what = why if literal else "it resolves to an address that is not public"
            raise AddressRefused(
                f"webhooks may not reach {host!r}: {what}; only public addresses are allowed "
                "(an operator can allow networks with HOLDOUT_WEBHOOK_ALLOW_PRIVATE_NETWORKS)"
            )
    if scheme == "http" and not all(policy.is_allowed(ip) for ip in addresses):
        raise AddressRefused(
            "the URL must start with https:// (plain http:// is accepted only for networks the "
            "operator allowed)"
        )
    return Target(scheme, host, port, path, addresses[0])
