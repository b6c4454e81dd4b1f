"""A media link never reaches the factory's own network: each internal link is refused with its
reason and the local server it names sees no request; the opt-in lets one exact server through."""

from __future__ import annotations

import socket
from ipaddress import ip_address

import pytest

from shorts_assets import models
from shorts_assets.providers import PermanentError, TransientError, public_net
from shorts_assets.providers.footage import ClipRequest
from shorts_assets.providers.public_net import PrivateAddress, allowance, kind, literal, public_client
from shorts_assets.providers.stock_footage import RowMediaFootage
from shorts_assets.rows import RowError, idea_from_row
from shorts_assets_tests.conftest import GOOD_ROW
from shorts_assets_tests.fakes import FakeServer, Request, Response

PNG = bytes.fromhex(  # a 1x1 PNG
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cf"
    "c0000003010100c9fe92ef0000000049454e44ae426082")


class Recorder(FakeServer):
    """Serves a picture to anyone who asks; the tests assert nobody did."""

    def handle(self, request: Request) -> Response:
        return Response(200, PNG, {"Content-Type": "image/png"})


class Redirector(FakeServer):
    """A "public" server that sends every request on to `target`."""

    def __init__(self, host: str, target: str):
        super().__init__(host)
        self.target = target

    def handle(self, request: Request) -> Response:
        return Response(302, "", {"Location": self.target})


@pytest.fixture
def recorder():
    with Recorder() as server:
        yield server


@pytest.fixture
def recorder6():
    with Recorder("::1") as server:
        yield server


def _row_media(tmp_path, allowed=()) -> RowMediaFootage:
    return RowMediaFootage(media_root=str(tmp_path), cache_dir=str(tmp_path / "cache"), allow_networks=list(allowed))


def _clip(tmp_path, media: str) -> ClipRequest:
    scene = models.Scene(narration="Bees dance.", visual="bees")
    return ClipRequest("honeybees-1", 0, scene, tmp_path, media=media)


def _answers(monkeypatch, *answers: list[str]) -> list[str]:
    """Patch DNS to give `answers`, one list per lookup; the hosts looked up are returned."""
    asked, queue = [], list(answers)

    def resolve(host, port):
        asked.append(host)
        return [ip_address(a) for a in queue.pop(0)]

    monkeypatch.setattr(public_net, "resolve", resolve)
    return asked


# --------------------------------------------------------------------------------------------
# Row links: refused at the sensor when the address is written out, and at the download always


@pytest.mark.parametrize(("link", "reason"), [
    ("http://{v4}/x.png", "links 127.0.0.1, a loopback address"),
    ("http://{v6}/x.png", "links ::1, a loopback address"),
    ("http://localhost:{port}/x.png", "links localhost (127.0.0.1), a loopback address"),
    ("http://2130706433:{port}/x.png", "links 2130706433 (127.0.0.1), a loopback address"),
    ("http://10.1.2.3/x.png", "links 10.1.2.3, a private address"),
    ("http://169.254.169.254/latest/meta-data/", "links 169.254.169.254, a link-local address inside the "
     "factory's network (the cloud metadata service lives there): give a public link"),
])
def test_an_internal_link_is_refused_with_its_reason_and_nothing_is_fetched(recorder, recorder6, tmp_path, link,
                                                                            reason):
    link = link.format(v4=recorder.address, v6=recorder6.address, port=recorder.address.split(":")[1])
    with pytest.raises(RowError) as rejected:
        idea_from_row({**GOOD_ROW, "media": link}, 1)
    with pytest.raises(PermanentError) as refused:  # a row queued before this check, or edited since
        _row_media(tmp_path).make_clip(_clip(tmp_path, link))
    assert reason in str(rejected.value)
    assert f"leads to {reason.removeprefix('links ').split(': give')[0]}" in str(refused.value)
    assert "which only SHORTS_MEDIA_ALLOW_NETWORKS can let through: fix it" in str(refused.value)
    assert recorder.requests == [] and recorder6.requests == []


def test_a_name_that_resolves_to_loopback_passes_the_sheet_and_is_refused_at_the_download(recorder, tmp_path,
                                                                                           monkeypatch):
    link = f"http://media.example.org:{recorder.address.split(':')[1]}/x.png"
    idea_from_row({**GOOD_ROW, "media": link}, 1)  # a name: the sheet asks no DNS
    _answers(monkeypatch, ["127.0.0.1"])
    with pytest.raises(PermanentError, match=r"media\.example\.org \(127\.0\.0\.1\), a loopback address"):
        _row_media(tmp_path).make_clip(_clip(tmp_path, link))
    assert recorder.requests == []


def test_a_public_link_that_redirects_inside_is_refused_at_the_redirect(recorder, tmp_path):
    with Redirector("127.0.0.2", f"{recorder.url}/x.png") as public:  # Linux routes all of 127/8
        link = f"{public.url}/x.png"
        idea_from_row({**GOOD_ROW, "media": link}, 1, allowance([public.address]))
        with pytest.raises(PermanentError, match=f"{public.url}/x.png leads to 127.0.0.1, a loopback address"):
            _row_media(tmp_path, [public.address]).make_clip(_clip(tmp_path, link))
        assert len(public.requests) == 1 and recorder.requests == []


def test_the_opt_in_lets_through_one_exact_server_and_no_other_port(recorder, tmp_path):
    with Recorder() as other:
        footage = _row_media(tmp_path, [other.address])
        with pytest.raises(PermanentError, match="loopback"):
            footage.make_clip(_clip(tmp_path, f"{recorder.url}/x.png"))
        made = footage.make_clip(_clip(tmp_path, f"{other.url}/x.png"))
    assert made.source == f"row-media:{other.url}/x.png" and recorder.requests == [] and len(other.requests) == 1


def test_a_name_that_does_not_resolve_is_a_transient_connection_failure(tmp_path, monkeypatch):
    def resolve(host, port):
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(public_net, "resolve", resolve)
    with pytest.raises(TransientError, match="ConnectError"):
        _row_media(tmp_path).make_clip(_clip(tmp_path, "https://media.example.org/x.png"))


# --------------------------------------------------------------------------------------------
# One lookup, every answer checked, the connection to the checked address


def test_a_name_with_one_public_and_one_private_answer_is_refused(monkeypatch):
    _answers(monkeypatch, ["93.184.216.34", "10.0.0.7"])
    with public_client(5.0, ()) as client, pytest.raises(PrivateAddress, match=r"\(10\.0\.0\.7\), a private"):
        client.get("https://mixed.example.org/x.png")


def test_a_rebinding_name_is_looked_up_once_and_reached_at_the_checked_address(monkeypatch):
    """The second answer would be internal: it is never asked for, so it cannot be connected to."""
    with Recorder("127.0.0.2") as allowed:
        port = allowed.address.split(":")[1]
        asked = _answers(monkeypatch, ["127.0.0.2"], ["127.0.0.1"])
        with public_client(5.0, allowance([allowed.address])) as client:
            response = client.get(f"http://rebind.example.org:{port}/x.png")
    assert response.status_code == 200 and asked == ["rebind.example.org"]
    assert [r.headers["Host"] for r in allowed.requests] == [f"rebind.example.org:{port}"]


def test_an_unreachable_checked_address_gives_way_to_the_next_one(monkeypatch):
    with Recorder("127.0.0.2") as server:
        port = server.address.split(":")[1]
        _answers(monkeypatch, ["127.0.0.3", "127.0.0.2"])  # nothing listens on 127.0.0.3
        with public_client(5.0, allowance([f"127.0.0.3:{port}", server.address])) as client:
            assert client.get(f"http://two.example.org:{port}/x.png").status_code == 200
    assert len(server.requests) == 1


# --------------------------------------------------------------------------------------------
# What counts as public


@pytest.mark.parametrize(("address", "expected"), [
    ("8.8.8.8", None), ("2606:4700::1111", None), ("2002:808:808::1", None), ("64:ff9b::808:808", None),
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("10.1.2.3", "private"), ("172.16.0.1", "private"),
    ("192.168.1.1", "private"), ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("fd00:ec2::254", "unique-local"), ("fec0::1", "site-local"), ("224.0.0.1", "multicast"),
    ("ff02::1", "multicast"), ("0.0.0.0", "unspecified"), ("::", "unspecified"),
    ("100.64.0.1", "shared (carrier-grade NAT)"), ("240.0.0.1", "reserved"), ("192.0.2.1", "special-purpose"),
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"),  # IPv4-mapped
    ("2002:a9fe:a9fe::1", "link-local"),  # 6to4 of 169.254.169.254
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"),  # Teredo of 127.0.0.1
    ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
])
def test_every_kind_of_internal_address_is_named(address, expected):
    assert kind(ip_address(address)) == expected


@pytest.mark.parametrize(("host", "address"), [
    ("2130706433", "127.0.0.1"), ("0x7f.1", "127.0.0.1"), ("127.1", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"),
    ("localhost", "127.0.0.1"), ("Media.LOCALHOST.", "127.0.0.1"), ("::1", "::1"), ("media.example.org", None),
])
def test_literal_reads_an_address_as_the_resolver_would_without_asking_dns(host, address):
    assert literal(host) == (ip_address(address) if address else None)


def test_the_allowance_reads_networks_with_optional_ports_and_names_the_setting_for_a_bad_one():
    allowed = allowance(["10.0.0.0/8", " 127.0.0.1:8123 ", "[::1]:8123", "fd00::/8", ""])
    assert [(str(a.network), a.port) for a in allowed] == [
        ("10.0.0.0/8", None), ("127.0.0.1/32", 8123), ("::1/128", 8123), ("fd00::/8", None)]
    for bad in ("nas.local", "127.0.0.1:http", "10.0.0.1/8", "127.0.0.1:0", "[::1]x", "::1:8123:"):
        with pytest.raises(ValueError, match="SHORTS_MEDIA_ALLOW_NETWORKS has"):
            allowance([bad])
