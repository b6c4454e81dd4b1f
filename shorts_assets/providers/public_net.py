"""Links from a row or a service's answer reach public addresses only.

Whoever can edit the content sheet chooses what the footage step downloads; without this a
link to 169.254.169.254 or 127.0.0.1:22 would be fetched from inside the factory's network.
A host is resolved once, every address it resolves to is checked, and the connection goes
to a checked address, so a second lookup cannot answer differently. Redirects open new
connections and pass the same check. Endpoints the operator configures (OPENAI_BASE_URL,
PEXELS_BASE_URL, ...) use their own clients and are trusted as configured.

SHORTS_MEDIA_ALLOW_NETWORKS lets chosen non-public networks through (a NAS, the tests' fakes).
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

import httpcore
import httpx

ALLOW_SETTING = "SHORTS_MEDIA_ALLOW_NETWORKS"
Address = IPv4Address | IPv6Address
PRIVATE = tuple(ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
SHARED = ip_network("100.64.0.0/10")  # carrier-grade NAT
UNIQUE_LOCAL = ip_network("fc00::/7")
NAT64 = ip_network("64:ff9b::/96")
MAX_REDIRECTS = 5


@dataclass(frozen=True)
class Allowed:
    """One entry of SHORTS_MEDIA_ALLOW_NETWORKS: a network, and a port when the entry names one."""

    network: IPv4Network | IPv6Network
    port: int | None = None

    def admits(self, address: Address, port: int) -> bool:
        return address in self.network and self.port in (None, port)


Allowance = tuple[Allowed, ...]


def allowance(entries: Iterable[str]) -> Allowance:
    """Entries such as `10.0.0.0/8`, `127.0.0.1:8123` or `[::1]:8123`; ValueError names a bad one."""
    return tuple(_allowed(entry.strip()) for entry in entries if entry.strip())


def _allowed(entry: str) -> Allowed:
    match = re.fullmatch(r"\[([^\]]*)\](?::([0-9]+))?", entry) or re.fullmatch(r"([^:]*):([0-9]+)", entry)
    network, port = match.groups() if match else (entry, None)
    try:
        allowed = Allowed(ip_network(network), None if port is None else int(port))
    except ValueError:
        allowed = None
    if allowed is None or (allowed.port is not None and not 0 < allowed.port < 65536):
        raise ValueError(f"{ALLOW_SETTING} has {entry!r}, which is not an IP network with an optional port, "
                         "such as 10.0.0.0/8, 127.0.0.1:8123 or [::1]:8123")
    return allowed


def kind(address: Address) -> str | None:
    """None for a public address, else what it is: 'loopback', 'private', 'link-local', ..."""
    if isinstance(address, IPv6Address):
        teredo = address.teredo[1] if address.teredo else None
        nat64 = IPv4Address(int(address) & 0xFFFFFFFF) if address in NAT64 else None
        embedded = address.ipv4_mapped or address.sixtofour or teredo or nat64
        if embedded is not None:
            return kind(embedded)  # what a packet to it finally reaches
    for name, test in (
        ("unspecified", address.is_unspecified), ("loopback", address.is_loopback),
        ("link-local", address.is_link_local), ("multicast", address.is_multicast),
        ("shared (carrier-grade NAT)", address in SHARED), ("private", any(address in n for n in PRIVATE)),
        ("unique-local", address in UNIQUE_LOCAL),
        ("site-local", isinstance(address, IPv6Address) and address.is_site_local),
        ("reserved", address.is_reserved), ("special-purpose", not address.is_global),
    ):
        if test:
            return name
    return None


def described(host: str, address: Address, what: str) -> str:
    """How a refusal names a non-public address, in the row and in the step's error alike."""
    named = str(address) if host == str(address) else f"{host} ({address})"
    article = "an" if what == "unspecified" else "a"
    where = " (the cloud metadata service lives there)" if what == "link-local" else ""
    return f"{named}, {article} {what} address inside the factory's network{where}"


def refused(address: Address, port: int, allowed: Allowance) -> str | None:
    """The kind of a non-public address no entry of the allowance admits; None when it may be reached."""
    what = kind(address)
    return None if what is None or any(a.admits(address, port) for a in allowed) else what


def literal(host: str) -> Address | None:
    """The address a URL's host names without asking DNS: an IP literal, in the legacy IPv4 forms
    too (`2130706433`, `0x7f.1`, `127.1`, as inet_aton reads them), or a `localhost` name."""
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return IPv4Address("127.0.0.1")
    try:
        return ip_address(host)
    except ValueError:
        pass
    try:
        return IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


class PrivateAddress(Exception):
    """A link leads to an address inside the factory's network that SHORTS_MEDIA_ALLOW_NETWORKS does not allow."""

    def __init__(self, host: str, address: Address, what: str):
        super().__init__(f"{described(host, address, what)}, which only {ALLOW_SETTING} can let through")


def resolve(host: str, port: int) -> list[Address]:
    """Every address DNS gives for `host`, from one lookup; tests patch it."""
    answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ip_address(sockaddr[0]) for *_, sockaddr in answers]


def checked(host: str, port: int, allowed: Allowance) -> list[Address]:
    """The addresses to connect to: `host` resolved once, refused if any answer is not public and not allowed."""
    try:
        addresses = resolve(host, port)
    except OSError as error:  # no such name, DNS down: a connection failure, as before
        raise httpcore.ConnectError(f"cannot resolve {host}: {error}") from error
    for address in addresses:
        if what := refused(address, port, allowed):
            raise PrivateAddress(host, address, what)
    return addresses


class PublicBackend(httpcore.NetworkBackend):
    """httpcore's own sockets, opened to a checked address (the next one when it cannot be reached,
    as the socket module would do); TLS still verifies the host name, because httpcore passes the
    origin's host to start_tls. Unix sockets stay refused (the base class's NotImplementedError)."""

    def __init__(self, allowed: Allowance):
        self.allowed = allowed
        self.sockets = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options=None) -> httpcore.NetworkStream:
        *others, last = checked(host, port, self.allowed)
        for address in others:
            try:
                return self.sockets.connect_tcp(str(address), port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout):
                continue
        return self.sockets.connect_tcp(str(last), port, timeout, local_address, socket_options)


class _PublicTransport(httpx.HTTPTransport):
    def __init__(self, allowed: Allowance):
        ssl_context = httpx.create_ssl_context()
        super().__init__(verify=ssl_context)
        # httpx (pinned <1 in pyproject) has no public hook for its pool's network backend, so the
        # pool it built is replaced by one that connects through PublicBackend.
        self._pool = httpcore.ConnectionPool(ssl_context=ssl_context, network_backend=PublicBackend(allowed))


def public_client(timeout: float, allowed: Allowance) -> httpx.Client:
    """A client for links nobody configured: public addresses only (and `allowed`), no proxies from the
    environment (a proxy would resolve the host itself), at most MAX_REDIRECTS redirects, each checked."""
    return httpx.Client(transport=_PublicTransport(allowed), follow_redirects=True, max_redirects=MAX_REDIRECTS,
                        trust_env=False, timeout=timeout)
