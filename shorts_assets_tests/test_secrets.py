"""No secret leaves the environment (issue 7, part 7).

`make demo` runs the factory through the Dagster daemon against the local fakes of every real
service and moto's S3, with every key, token and password set to a marker of its own. The fakes
accept only those markers, and some answer once with an error that quotes the credentials they
were sent, as careless services do, so error messages are put to the test as well. Then
everything the run left behind is searched for every marker, whole, by its tail and in base64:
the demo's output, every file of its Dagster home (SQLite cells unpacked, compute logs included),
the event log read through DagsterInstance, every object in the bucket, the sheet's cells and
SHORTS_HOME. Nothing here resolves a host other than 127.0.0.1.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import sqlite3
import subprocess
import sys
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

import boto3
import ffmpeg
import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from dagster import DagsterInstance, serialize_value
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from shorts_assets.media.ffmpeg import run
from shorts_assets.providers.sheets import STATUS_COLUMNS
from shorts_assets.rows import IDEA_COLUMNS
from shorts_assets_tests.assets.conftest import service_account
from shorts_assets_tests.conftest import GOOD_ROW
from shorts_assets_tests.fakes import LocalServer, Request, Response
from shorts_assets_tests.fakes import youtube_api as youtube_fake
from shorts_assets_tests.fakes.elevenlabs_api import FakeElevenLabs
from shorts_assets_tests.fakes.elevenlabs_api import error as elevenlabs_error
from shorts_assets_tests.fakes.instagram_api import USER_ID, VERSION, FakeInstagram, graph_error
from shorts_assets_tests.fakes.openai_api import FakeOpenAI, bearer
from shorts_assets_tests.fakes.openai_api import error as openai_error
from shorts_assets_tests.fakes.pexels_api import FakePexels
from shorts_assets_tests.fakes.sheets_api import FakeSheets
from shorts_assets_tests.fakes.sheets_api import error as sheets_error
from shorts_assets_tests.fakes.tiktok_api import FakeTikTok, tiktok_error
from shorts_assets_tests.fakes.youtube_api import header

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "SECRET-MARKER"
SECRETS = ("openai", "elevenlabs", "pexels", "tiktok", "tiktok-upload", "instagram", "youtube-client-secret",
           "youtube-refresh-token", "youtube-access", "google-key-id", "sheets-access", "aws-key-id", "aws-secret")
COLUMNS = list(dict.fromkeys([*IDEA_COLUMNS, *STATUS_COLUMNS]))
BUCKET = "shorts-secrets"
COMPUTE_LOGS = (".out", ".err", ".complete")


# -- the fakes, with markers for credentials and errors that quote them ------------------------


def quote(request: Request) -> str:
    """What a request sent, as a careless server repeats it: every header and the start of the body."""
    headers = "; ".join(f"{name}: {value}" for name, value in request.headers.items())
    return f"{request.method} {request.path} [{headers}] {request.body[:600].decode(errors='replace')}"


class Echoing:
    """Answers the next requests under a path with an error (built by `error`) quoting what they sent."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.echoes: list[tuple[str, Callable[[str], Response]]] = []

    def echo_next(self, path_prefix: str, error: Callable[[str], Response], times: int = 1) -> None:
        with self.lock:
            self.echoes += [(path_prefix, error)] * times

    def handle(self, request: Request) -> Response:
        with self.lock:
            echo = next((e for e in self.echoes if request.path.startswith(e[0])), None)
            if echo:
                self.echoes.remove(echo)
        return echo[1](quote(request)) if echo else super().handle(request)


def marked(answer: Response, issued: set[str], marker: str) -> Response:
    """A token endpoint's answer whose access token carries `marker`, so a leaked bearer is found too."""
    if answer.status == 200:
        plain = answer.body["access_token"]
        issued.discard(plain)
        answer.body["access_token"] = token = f"{marker}-{plain.rsplit('-', 1)[1]}"
        issued.add(token)
    return answer


class OpenAI(Echoing, FakeOpenAI):
    """OpenAI, echoing when told to."""


class ElevenLabs(Echoing, FakeElevenLabs):
    """ElevenLabs, echoing when told to."""


class Instagram(Echoing, FakeInstagram):
    """Instagram, echoing when told to."""


class Pexels(Echoing, FakePexels):
    """Finds the stock video on every other search, so openai-images draws the scenes between."""

    def __init__(self, stock: bytes, api_key: str):
        super().__init__({"portrait.mp4": ("video/mp4", stock)}, api_key=api_key)
        self.searches = 0

    def _search(self, request: Request) -> Response:
        self.searches += 1
        self.videos = [self.video(7, [(71, 1080, 1920, "portrait.mp4")])] if self.searches % 2 else []
        return super()._search(request)


class TikTok(Echoing, FakeTikTok):
    """Its upload URLs carry a marked upload token."""

    def __init__(self, token: str, upload_token: str):
        super().__init__(token=token)
        self.upload_token = upload_token

    def init(self, body: dict) -> Response:
        answer = super().init(body)
        if answer.status == 200:
            data = answer.body["data"]
            data["upload_url"] = data["upload_url"].replace("upload-SECRET", self.upload_token)
        return answer


class YouTube(Echoing, youtube_fake.FakeYouTube):
    """Its access tokens carry a marker."""

    def __init__(self, client_secret: str, refresh_token: str, access_marker: str):
        super().__init__(client_secret=client_secret, refresh_token=refresh_token)
        self.access_marker = access_marker

    def _token(self, request: Request) -> Response:
        return marked(super()._token(request), self.tokens, self.access_marker)


class Sheets(Echoing, FakeSheets):
    """Its access tokens carry a marker."""

    def __init__(self, tabs: dict, access_marker: str):
        super().__init__(tabs)
        self.access_marker = access_marker

    def token(self, request: Request) -> Response:
        return marked(super().token(request), self.issued, self.access_marker)


class RecordingS3(LocalServer):
    """moto's S3 server on 127.0.0.1, keeping each request's method, path and headers: what boto3 signed."""

    def __init__(self):
        app = DomainDispatcherApplication(create_backend_app)
        self.requests: list[tuple[str, str, dict[str, str]]] = []

        def recording(environ, start_response):
            headers = {key.removeprefix("HTTP_").replace("_", "-").lower(): value for key, value in environ.items()
                       if key.startswith(("HTTP_", "CONTENT_"))}
            self.requests.append((environ["REQUEST_METHOD"], environ["RAW_URI"], headers))
            return app(environ, start_response)

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
        self.serve(make_server("127.0.0.1", 0, recording, threaded=True, request_handler=MotoRequestHandler))


# -- the run -------------------------------------------------------------------------------------


@dataclass
class World:
    """The fakes the demo ran against, the markers they accept and the folders the run wrote."""

    markers: dict[str, str]
    openai: OpenAI
    elevenlabs: ElevenLabs
    pexels: Pexels
    youtube: YouTube
    tiktok: TikTok
    instagram: Instagram
    sheets: Sheets
    s3: RecordingS3
    home: Path
    dagster_home: Path
    private_key: str = ""
    demo: subprocess.CompletedProcess | None = None


def marker(name: str) -> str:
    return f"{PREFIX}-{name}-{secrets.token_hex(12)}"


def stock_video(folder: Path) -> bytes:
    """A small portrait MP4 for the Pexels fake to serve."""
    path = folder / "portrait.mp4"
    source = ffmpeg.input("testsrc2=s=180x320:r=30:d=2", f="lavfi")
    run(ffmpeg.output(source, str(path), vcodec="libx264", preset="ultrafast", pix_fmt="yuv420p"), "make stock")
    return path.read_bytes()


def queue_echoes(world: World) -> None:
    """Once per service (as often as its client retries on its own), an error quoting the request's credentials.

    Each passes: the run goes on, and the errors' messages go wherever the product puts them."""
    world.openai.echo_next("/v1/chat/completions", lambda said: openai_error(
        500, f"The server had an error processing your request: {said}", kind="server_error",
        headers={"retry-after": "0"}), times=3)
    world.elevenlabs.echo_next("/v1/text-to-speech", lambda said: elevenlabs_error(
        503, "service_unavailable", f"try again: {said}", {"Retry-After": "0"}), times=2)
    world.pexels.echo_next("/videos/search", lambda said: Response(
        500, f"upstream failed for {said}", {"Content-Type": "text/plain", "Retry-After": "0"}))
    world.youtube.echo_next("/token", lambda said: youtube_fake.token_error(500, "internal_failure", said), times=3)
    world.youtube.echo_next(youtube_fake.UPLOAD_VIDEOS, lambda said: youtube_fake.error(
        503, "backendError", f"Backend Error for {said}", {"Retry-After": "0"}))
    world.tiktok.echo_next("/v2/post/publish/creator_info/", lambda said: tiktok_error(500, "internal_error", said))
    world.instagram.echo_next(f"/{VERSION}/{USER_ID}/media", lambda said: graph_error(  # Graph's 400s may pass
        400, 2, f"Service temporarily unavailable for {said}"))
    world.sheets.echo_next(f"/v4/spreadsheets/{world.sheets.key}/values:batchUpdate", lambda said: sheets_error(
        400, "INVALID_ARGUMENT", f"Invalid request {said}"))


def service_key(world: World) -> dict:
    """The service account's JSON key: a real RSA key, its id a marker, its token endpoint the fake's."""
    return service_account(f"{world.sheets.url}/token") | {"private_key_id": world.markers["google-key-id"]}


def demo_env(world: World, key: dict, secrets_dir: Path) -> dict[str, str]:
    """Every real service selected, each endpoint at its fake, each credential a marker; none under a scanned folder."""
    m = world.markers
    user_file = secrets_dir / "youtube.json"
    user_file.write_text(json.dumps({
        "type": "authorized_user", "client_id": world.youtube.client[0],
        "client_secret": m["youtube-client-secret"], "refresh_token": m["youtube-refresh-token"]}))
    return {
        "SHORTS_HOME": str(world.home), "DAGSTER_HOME": str(world.dagster_home), "SHORTS_DEMO_TIMEOUT": "200",
        "SHORTS_WRITER": "openai", "SHORTS_VOICE": "elevenlabs", "SHORTS_FOOTAGE": "pexels,openai-images,procedural",
        "SHORTS_PLATFORMS": "youtube,tiktok,instagram", "SHORTS_SHEET": "google", "SHORTS_REVIEW": "auto",
        "SHORTS_STORE": f"s3://{BUCKET}/shorts", "S3_ENDPOINT_URL": world.s3.url,
        "AWS_ACCESS_KEY_ID": m["aws-key-id"], "AWS_SECRET_ACCESS_KEY": m["aws-secret"],
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_SHARED_CREDENTIALS_FILE": str(secrets_dir / "none"),
        "AWS_CONFIG_FILE": str(secrets_dir / "none"),
        "OPENAI_API_KEY": m["openai"], "OPENAI_BASE_URL": f"{world.openai.url}/v1",
        "ELEVENLABS_API_KEY": m["elevenlabs"], "ELEVENLABS_BASE_URL": world.elevenlabs.url,
        "PEXELS_API_KEY": m["pexels"], "PEXELS_BASE_URL": world.pexels.url,
        "SHORTS_MEDIA_ALLOW_NETWORKS": world.pexels.address,  # its stock files are on 127.0.0.1
        "YOUTUBE_AUTHORIZED_USER_FILE": str(user_file), "YOUTUBE_API_ROOT": f"{world.youtube.url}/",
        "TIKTOK_ACCESS_TOKEN": m["tiktok"], "TIKTOK_API_ROOT": world.tiktok.url,
        "INSTAGRAM_ACCESS_TOKEN": m["instagram"], "INSTAGRAM_USER_ID": USER_ID,
        "INSTAGRAM_GRAPH_ROOT": world.instagram.url, "INSTAGRAM_RUPLOAD_ROOT": world.instagram.url,
        "SHORTS_GOOGLE_SHEET_KEY": world.sheets.key, "SHORTS_GOOGLE_CREDENTIALS_JSON": json.dumps(key),
        "GOOGLE_SHEETS_API_ROOT": world.sheets.url,
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[World]:
    """The demo, run once against the marked fakes; the tests read what it left behind."""
    tmp = tmp_path_factory.mktemp("secrets")
    markers = {name: marker(name) for name in SECRETS}
    row = [GOOD_ROW.get(column, "") for column in COLUMNS]
    with ExitStack() as stack:
        start = stack.enter_context
        world = World(
            markers=markers,
            openai=start(OpenAI(api_key=markers["openai"])),
            elevenlabs=start(ElevenLabs(api_key=markers["elevenlabs"])),
            pexels=start(Pexels(stock_video(tmp), api_key=markers["pexels"])),
            youtube=start(YouTube(markers["youtube-client-secret"], markers["youtube-refresh-token"],
                                  markers["youtube-access"])),
            tiktok=start(TikTok(markers["tiktok"], markers["tiktok-upload"])),
            instagram=start(Instagram(token=markers["instagram"])),
            sheets=start(Sheets({"ideas": [COLUMNS, row]}, markers["sheets-access"])),
            s3=start(RecordingS3()),
            home=tmp / "home", dagster_home=tmp / "dagster",
        )
        key = service_key(world)
        world.private_key = key["private_key"]
        (tmp / "secrets").mkdir()
        env = {**os.environ, **demo_env(world, key, tmp / "secrets")}
        bucket_client(world).create_bucket(Bucket=BUCKET)
        queue_echoes(world)
        world.demo = subprocess.run([sys.executable, "-m", "shorts_assets.demo"], cwd=ROOT, env=env,
                                    capture_output=True, text=True, timeout=300)
        yield world


def bucket_client(world: World):
    return boto3.client("s3", endpoint_url=world.s3.url, region_name="us-east-1",
                        aws_access_key_id=world.markers["aws-key-id"],
                        aws_secret_access_key=world.markers["aws-secret"])


def test_the_demo_publishes_the_row_everywhere_through_the_errors_that_quote_credentials(world):
    demo = world.demo
    assert world.sheets.records("ideas")[0]["status"] == "published", demo.stdout[-3000:] + demo.stderr[-3000:]
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert len(world.youtube.uploads) == 1 and len(world.tiktok.uploads) == 1 and len(world.instagram.media) == 1
    fakes = (world.openai, world.elevenlabs, world.pexels, world.youtube, world.tiktok, world.instagram, world.sheets)
    assert all(not fake.echoes for fake in fakes), "every error quoting credentials was served"
    assert "Proposed next" in demo.stdout  # the analytics cycle ran too


# -- the markers were used ---------------------------------------------------------------------


def test_every_service_was_sent_its_marked_credentials(world):
    m = world.markers
    openai = world.openai.calls("POST", "/v1/")
    assert world.openai.calls("POST", "/v1/images/") and {bearer(r) for r in openai} == {m["openai"]}
    assert {header(r, "xi-api-key") for r in world.elevenlabs.calls("POST")} == {m["elevenlabs"]}
    assert {header(r, "Authorization") for r in world.pexels.calls("GET", "/videos/search")} == {m["pexels"]}
    assert {header(r, "Authorization") for r in world.tiktok.calls("POST", "/v2/")} == {f"Bearer {m['tiktok']}"}
    assert {r.query["upload_token"][0] for r in world.tiktok.calls("PUT", "/upload/")} == {m["tiktok-upload"]}
    graph = world.instagram.calls("POST", f"/{VERSION}/") + world.instagram.calls("GET", f"/{VERSION}/")
    assert {header(r, "Authorization") for r in graph} == {f"Bearer {m['instagram']}"}
    assert {header(r, "Authorization") for r in world.instagram.calls("POST", "/ig-api-upload/")} == {
        f"OAuth {m['instagram']}"}
    assert_youtube_credentials(world.youtube, m)
    assert_signed_by_the_service_account(world.sheets, world.private_key, m)
    assert_signed_by_the_aws_key(world.s3, m)


def assert_youtube_credentials(youtube: YouTube, m: dict[str, str]) -> None:
    refreshes = [parse_qs(r.body.decode()) for r in youtube.calls("POST", "/token")]
    assert {(f["client_secret"][0], f["refresh_token"][0]) for f in refreshes} == {
        (m["youtube-client-secret"], m["youtube-refresh-token"])}
    api = [r for r in youtube.requests if r.path != "/token"]
    assert api and all(header(r, "Authorization").startswith(f"Bearer {m['youtube-access']}-") for r in api)


def assert_signed_by_the_service_account(sheets: Sheets, private_key: str, m: dict[str, str]) -> None:
    """The JWT grant names the marked key id and verifies with the key's public half: the private key signed it."""
    public = serialization.load_pem_private_key(private_key.encode(), None).public_key()
    grants = [parse_qs(r.body.decode())["assertion"][0] for r in sheets.calls("POST", "/token")]
    assert grants
    for grant in grants:
        head, payload, signature = grant.split(".")
        assert json.loads(unpadded_b64(head))["kid"] == m["google-key-id"]
        public.verify(unpadded_b64(signature), f"{head}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
    api = [r for r in sheets.requests if r.path != "/token"]
    assert api and all(header(r, "Authorization").startswith(f"Bearer {m['sheets-access']}-") for r in api)


def unpadded_b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def assert_signed_by_the_aws_key(s3: RecordingS3, m: dict[str, str]) -> None:
    """Every request names the marked key id, and their SigV4 signatures check out with the marked secret."""
    signed = [r for r in s3.requests if r[0] in ("PUT", "GET")]
    assert len(signed) > 10
    assert all(f"Credential={m['aws-key-id']}/" in r[2].get("authorization", "") for r in s3.requests)
    assert all(signature_ok(r, Credentials(m["aws-key-id"], m["aws-secret"]), s3.url) for r in signed[:20])


def signature_ok(request: tuple[str, str, dict[str, str]], credentials: Credentials, url: str) -> bool:
    """Recompute a recorded request's SigV4 signature with `credentials`."""
    method, target, headers = request
    scheme, fields = headers["authorization"].split(" ", 1)
    parts = dict(part.strip().split("=", 1) for part in fields.split(","))
    _, _, region, service, _ = parts["Credential"].split("/")
    names = parts["SignedHeaders"].split(";")
    signer = S3SigV4Auth(credentials, service, region)
    aws = AWSRequest(method, url + target, headers={name: headers[name] for name in names})
    aws.context["timestamp"] = headers["x-amz-date"]
    string = signer.string_to_sign(aws, signer.canonical_request(aws))
    return scheme == "AWS4-HMAC-SHA256" and signer.signature(string, aws) == parts["Signature"]


# -- nothing was left behind -------------------------------------------------------------------


def forms(value: str) -> set[bytes]:
    """The shapes a secret may take in what a run writes: whole, its tail, and base64 at any alignment."""
    raw = value.encode()
    encodings = (base64.b64encode, base64.urlsafe_b64encode)
    return {raw, raw[-12:]} | {encode(raw[shift:])[:-4] for shift in range(3) for encode in encodings}


def needles(world: World) -> dict[bytes, str]:
    """What to look for, and which secret each one gives away; the PEM by each line of its body."""
    found = {PREFIX.encode(): "a marker"}
    for name, value in world.markers.items():
        found |= dict.fromkeys(forms(value), name)
    body = [line for line in world.private_key.splitlines() if len(line) >= 32 and not line.startswith("-----")]
    return found | dict.fromkeys((line.encode() for line in body), "google-private-key")


@dataclass
class Scan:
    """Counts what was searched, by kind, and names every secret found."""

    needles: dict[bytes, str]
    allowed: bytes  # the one place a marker belongs: the access key id naming the signer of a presigned link
    counts: Counter = field(default_factory=Counter)
    found: list[str] = field(default_factory=list)

    def look(self, kind: str, where: str, data: bytes | str) -> None:
        data = data.encode() if isinstance(data, str) else data
        self.counts[kind] += 1
        self.counts["presigned links"] += data.count(self.allowed)
        data = data.replace(self.allowed, b"X-Amz-Credential=")
        self.found += [f"{kind} {where}: {name}" for needle, name in self.needles.items() if needle in data]


def sqlite_values(path: Path) -> Iterator[bytes]:
    """Every value of every table of a SQLite database."""
    with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as db:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):
                yield from (value if isinstance(value, bytes) else str(value).encode() for value in row)


def scan_folder(scan: Scan, kind: str, root: Path) -> None:
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        scan.look(kind, str(path.relative_to(root)), data)
        if data.startswith(b"SQLite format 3\0"):
            for value in sqlite_values(path):
                scan.look("sqlite value", path.name, value)
                with suppress(zlib.error):  # Dagster keeps its snapshots zlib-compressed
                    scan.look("unzipped sqlite value", path.name, zlib.decompress(value))
        if path.suffix in COMPUTE_LOGS and "compute_logs" in path.parts:
            scan.counts[f"compute log {path.suffix}"] += 1
            scan.counts["compute log bytes"] += len(data)


def scan_event_log(scan: Scan, home: Path) -> None:
    """Each run and every event of it as Dagster serializes them, materialization metadata included."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(home))
        with DagsterInstance.get() as instance:
            for dagster_run in instance.get_runs():
                scan.look("run", dagster_run.run_id, serialize_value(dagster_run))
                for entry in instance.all_logs(dagster_run.run_id):
                    scan.look("event", f"{dagster_run.run_id} {entry.message[:40]!r}", serialize_value(entry))
                    kind = entry.dagster_event.event_type_value if entry.dagster_event else "log message"
                    scan.counts[kind] += 1


def scan_bucket(scan: Scan, client) -> None:
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            answer = client.get_object(Bucket=BUCKET, Key=item["Key"])
            scan.look("object", item["Key"], item["Key"].encode() + json.dumps(answer["Metadata"]).encode()
                      + answer["Body"].read())


def scan_sheet(scan: Scan, sheets: Sheets) -> None:
    for title in sheets.sheets:
        for number, row in enumerate(sheets.grid(title), start=1):
            for column, value in enumerate(row):
                scan.look("cell", f"{title}!R{number}C{column + 1}", value)


@pytest.fixture(scope="module")
def scan(world) -> Scan:
    # A presigned link (the review page's video) names the key that signed it, by design, in X-Amz-Credential;
    # the secret never appears, and the key id nowhere else.
    scan = Scan(needles(world), allowed=f"X-Amz-Credential={world.markers['aws-key-id']}%2F".encode())
    scan.look("demo output", "stdout", world.demo.stdout)
    scan.look("demo output", "stderr", world.demo.stderr)
    scan_folder(scan, "dagster home file", world.dagster_home)
    scan_event_log(scan, world.dagster_home)
    scan_bucket(scan, bucket_client(world))
    scan_sheet(scan, world.sheets)
    scan_folder(scan, "shorts home file", world.home)
    return scan


def test_no_marker_is_left_in_output_dagster_home_events_bucket_sheet_or_shorts_home(scan):
    assert scan.found == [], "\n".join(scan.found)


def test_the_search_covered_what_the_run_wrote(scan):
    counts = scan.counts
    assert counts["compute log .err"] >= 1 and counts["compute log .complete"] >= 1, counts
    assert counts["compute log bytes"] > 1000, "compute logs were captured, so the search read them"
    assert counts["dagster home file"] >= 5 and counts["sqlite value"] >= 1000, counts
    assert counts["unzipped sqlite value"] >= 2, counts
    assert counts["run"] >= 2 and counts["event"] >= 100 and counts["ASSET_MATERIALIZATION"] >= 10, counts
    assert counts["STEP_UP_FOR_RETRY"] >= 1, "errors quoting credentials reached the event log"
    assert counts["object"] >= 15 and counts["cell"] >= 4 * len(COLUMNS), counts
    assert counts["shorts home file"] >= 1, counts
    assert counts["presigned links"] >= 1, "the review page's presigned links were searched"
