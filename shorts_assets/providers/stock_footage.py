"""Footage from outside: Pexels stock video and the row's own media.

Both implement `Footage.make_clip` from `providers.footage`: the scene's source is the file
itself, which the render fits to the frame: a video is scaled to cover it, centre-cropped and
looped when short; a still image becomes a slow zoom.

Files come through `downloads` (a size limit, a cache by content hash, only files ffmpeg can
decode). The Pexels API key is sent to the API only, never to the file hosts. A row's link,
a Pexels file link and a result's preview picture are fetched through `public_net`: never from
the factory's own network unless SHORTS_MEDIA_ALLOW_NETWORKS lets that address through.
"""

from __future__ import annotations

import math
import mimetypes
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

import dagster as dg
import httpx

from shorts_assets.media.colours import hex_rgb, palette_distance, picture_rgb
from shorts_assets.media.ffmpeg import MediaError
from shorts_assets.media.format import OutputFormat
from shorts_assets.media.probe import check_decodes
from shorts_assets.models import HEX_COLOUR, Scene, SceneSource, StillSource, VideoSource
from shorts_assets.providers import PermanentError, TransientError
from shorts_assets.providers.downloads import (
    MB,
    Download,
    DownloadCache,
    Unusable,
    public_url,
    rate_limit_wait,
    transient,
)
from shorts_assets.providers.footage import ClipMade, ClipRequest, NoFootage, card_text, scene_file, scene_seed
from shorts_assets.providers.http_errors import retried, send
from shorts_assets.providers.public_net import allowance, public_client
from shorts_assets.text_rules import cut_at_word

MAX_RATE_LIMIT_WAIT_S = 3600.0  # a longer wait means the quota is used up: permanent
QUERY_CHARS = 100
MAX_CANDIDATES = 2  # unusable stock files downloaded per scene before its search counts as exhausted
MAX_QUERIES = 2  # searches per scene, of its search terms: Pexels allows 200 requests an hour
PALETTE_CHOICES = 3  # a scene's seeded results whose colours are compared with the video's palette
MAX_PICTURE_MB = 5  # a result's preview picture, downloaded to read its colours


# --------------------------------------------------------------------------------------------
# Any video or image as a scene's source


def file_source(request: ClipRequest, path: Path, mime: str) -> SceneSource:
    """A still image zooms in slowly; anything else (a GIF moves too) is played as a video."""
    media = scene_file(request, path, mime)
    if mime.startswith("image/") and mime != "image/gif":
        return StillSource(media=media, motion="zoom-in")
    return VideoSource(media=media)


# --------------------------------------------------------------------------------------------
# Pexels


def search_query(visual: str) -> str:
    """The scene's visual cue as a search query: one line, at most QUERY_CHARS, whole words."""
    return cut_at_word(" ".join(visual.split()), QUERY_CHARS)


def queries(scene: Scene) -> list[str]:
    """What to search for: the scene's first search terms (concrete things the writer names),
    else its visual cue, which is a whole picture description and finds less."""
    if scene.search_terms:
        return scene.search_terms[:MAX_QUERIES]
    query = search_query(scene.visual)
    return [query] if query else []


def preview_link(video: dict) -> str | None:
    """A result's first frame (`video_pictures`, lowest `nr`), else its cover `image`: an http(s) link or None."""
    pictures = sorted((p for p in video.get("video_pictures") or [] if isinstance(p, dict) and p.get("picture")),
                      key=lambda p: p.get("nr") or 0)
    link = pictures[0]["picture"] if pictures else video.get("image")
    return link if isinstance(link, str) and urlsplit(link).scheme.lower() in ("http", "https") else None


def portrait_mp4s(video: dict) -> list[dict]:
    return [
        f for f in video.get("video_files") or []
        if f.get("file_type") == "video/mp4" and f.get("link") and (f.get("height") or 0) > (f.get("width") or 0)
    ]


def best_file(files: list[dict], fmt: OutputFormat) -> dict:
    """The file nearest the output size; on a tie the smaller one (a shorter download)."""
    return min(files, key=lambda f: (abs(f["width"] - fmt.width) + abs(f["height"] - fmt.height),
                                     f["width"] * f["height"], f.get("id", 0)))


def accept_mp4(content_type: str) -> str:
    if content_type in ("video/mp4", "application/octet-stream", "binary/octet-stream"):
        return "video/mp4"
    raise Unusable(f"the file is {content_type or 'of no stated type'}, not video/mp4")


def _accept_picture(content_type: str) -> str:
    if content_type in ("image/jpeg", "image/png", "image/webp"):
        return content_type
    raise Unusable(f"the preview is {content_type or 'of no stated type'}, not a JPEG, PNG or WebP picture")


class PexelsFootage(dg.ConfigurableResource):
    """Portrait stock video from Pexels, searched by the scene's search terms (or its visual cue).

    Pexels ranks nothing we can compare, so a search's results rank equally: the scene's seed
    rotates them, so a re-run picks the same one and scenes with like queries differ, and with
    a video style the first PALETTE_CHOICES of them are ordered by how near their colours sit
    to its palette (`media.colours`; the seed's order breaks a tie). A result's colours are
    its `avg_color` when Pexels sends one (it does for photos, and sends null for videos), else
    its first frame's preview, downloaded like any untrusted link; one that cannot be read
    goes last. Text cards and scenes with no usable result are NoFootage: the next provider draws them.
    A file over `max_download_mb`, of the wrong type or that does not decode is a property of
    that stock video, so no retry and no edit to the sheet can fix it, and moving on can: the
    next result is tried, until MAX_CANDIDATES were unusable, then it is NoFootage too.
    """

    name: ClassVar[str] = "pexels"

    api_key: str
    cache_dir: str
    base_url: str = "https://api.pexels.com"
    max_download_mb: float = 80
    timeout: float = 30.0
    per_page: int = 15
    allow_networks: list[str] = []  # SHORTS_MEDIA_ALLOW_NETWORKS: the file links are the answer's, not ours

    def make_clip(self, request: ClipRequest) -> ClipMade:
        with closing(self.candidates(request)) as offers:
            return next(offers)

    def candidates(self, request: ClipRequest) -> Iterator[ClipMade]:
        """The scene's usable results, from the one its seed picks on (the relevance gate asks for
        the next when it refuses one); NoFootage when there is none."""
        if card_text(request.scene.visual) is not None:
            raise NoFootage("a text card is drawn, not searched for")
        asked = queries(request.scene)
        if not asked:
            raise NoFootage("the scene has no visual cue to search for")
        videos = self._found(asked)
        start = scene_seed(request.item_id, request.index) % len(videos)
        seeded = videos[start:] + videos[:start]
        if request.style is not None:
            seeded = self._nearest_palette(seeded[:PALETTE_CHOICES], request.style.palette) + seeded[PALETTE_CHOICES:]
        for video, chosen, download in self._usable(seeded, request.fmt):
            user = video.get("user") or {}
            yield ClipMade(
                picture=file_source(request, download.path, download.mime),
                source=f"pexels:video {video['id']} file {chosen.get('id')} {chosen['width']}x{chosen['height']}",
                credit=f"Video by {user.get('name') or 'unknown'} on Pexels ({video.get('url', 'https://www.pexels.com')})",
            )

    def _found(self, asked: list[str]) -> list[dict]:
        """The portrait MP4 results of the first query that has some; else NoFootage."""
        for query in asked:
            if videos := [v for v in self._search(query) if portrait_mp4s(v)]:
                return videos
        raise NoFootage(f"Pexels has no portrait MP4 video for {' or '.join(map(repr, asked))}")

    def _nearest_palette(self, videos: list[dict], palette: list[str]) -> list[dict]:
        """The videos nearest the palette first; equal distances keep their order."""
        with public_client(self.timeout, allowance(self.allow_networks)) as client:
            distances = [self._palette_distance(client, video, palette) for video in videos]
        return [video for _, _, video in sorted(zip(distances, range(len(videos)), videos, strict=True),
                                                key=lambda ranked: ranked[:2])]

    def _palette_distance(self, client: httpx.Client, video: dict, palette: list[str]) -> float:
        """How far the video's colours sit from the palette; infinite when they cannot be read.

        A preview that fails to download, transiently or not, only loses the video its place:
        the scene still gets footage, so it is no reason to retry the step.
        """
        average = video.get("avg_color")
        if isinstance(average, str) and HEX_COLOUR.fullmatch(average.strip().lower()):
            return palette_distance(hex_rgb([average.strip().lower()]), palette)
        link = preview_link(video)
        if link is None:
            return math.inf
        try:
            download = DownloadCache(self.cache_dir).fetch(client, link, f"pexels-preview:{video.get('id')}",
                                                           int(MAX_PICTURE_MB * MB), _accept_picture)
            return palette_distance(picture_rgb(download.path), palette)
        except (Unusable, TransientError, MediaError):
            return math.inf

    def _usable(self, videos: list[dict], fmt: OutputFormat) -> Iterator[tuple[dict, dict, Download]]:
        """Each video whose file downloads and decodes, with its file and the download, until
        MAX_CANDIDATES files were unusable; NoFootage when none was usable."""
        unusable, usable = [], 0
        with public_client(self.timeout, allowance(self.allow_networks)) as client:  # no key: files live on a CDN
            for video in videos:
                chosen = best_file(portrait_mp4s(video), fmt)
                try:
                    download = partial(DownloadCache(self.cache_dir).fetch, client, chosen["link"],
                                       f"pexels:{video['id']}:{chosen.get('id')}", int(self.max_download_mb * MB),
                                       accept_mp4)
                    fetched = retried(download, f"Pexels download of video {video['id']}")
                except Unusable as error:
                    unusable.append(f"Pexels video {video['id']}: {error}")
                    if len(unusable) == MAX_CANDIDATES:
                        break
                    continue
                usable += 1
                yield video, chosen, fetched
        if not usable:
            raise NoFootage("; ".join(unusable))

    def _search(self, query: str) -> list[dict]:
        if not self.api_key:
            raise PermanentError("Pexels needs an API key: set PEXELS_API_KEY (https://www.pexels.com/api/)")
        params = {"query": query, "orientation": "portrait", "size": "medium", "per_page": self.per_page}
        with httpx.Client(timeout=self.timeout, base_url=self.base_url, follow_redirects=True) as client:
            response = send(client, "Pexels search", "GET", "/videos/search", wait_of=rate_limit_wait, params=params,
                            headers={"Authorization": self.api_key})
        _raise_for_pexels(response)
        try:
            return list(response.json().get("videos") or [])
        except (ValueError, AttributeError) as error:
            raise TransientError("Pexels answered the search with something other than its JSON") from error


def _raise_for_pexels(response: httpx.Response) -> None:
    status = response.status_code
    if status in (401, 403):
        raise PermanentError(
            f"Pexels refused the API key (HTTP {status}): set PEXELS_API_KEY to a key from https://www.pexels.com/api/"
        )
    if status == 429:
        wait = rate_limit_wait(response)
        if wait is not None and wait > MAX_RATE_LIMIT_WAIT_S:
            until = datetime.fromtimestamp(time.time() + wait, UTC).strftime("%Y-%m-%d %H:%M UTC")
            raise PermanentError(
                f"Pexels' request quota is used up until {until}: wait, ask Pexels for a higher limit, "
                "or take pexels out of SHORTS_FOOTAGE"
            )
        raise TransientError("Pexels is rate limiting us (HTTP 429)", wait)
    if error := transient(response, "Pexels search"):
        raise error
    if status >= 400:
        raise PermanentError(f"Pexels refused the search (HTTP {status}): {response.text[:200]}")


# --------------------------------------------------------------------------------------------
# The row's own media


def _media_type(name: str) -> str | None:
    mime = mimetypes.guess_type(name)[0] or ""
    return mime if mime.startswith(("video/", "image/")) else None


class RowMediaFootage(dg.ConfigurableResource):
    """The picture the row itself links for the scene: a file under `media_root`, or an
    http(s) URL. A bad link is a PermanentError naming it: the person who gave it must fix
    the row's media column; quietly using other footage would hide the mistake."""

    name: ClassVar[str] = "row-media"

    media_root: str
    cache_dir: str
    max_download_mb: float = 80
    timeout: float = 30.0
    allow_networks: list[str] = []  # SHORTS_MEDIA_ALLOW_NETWORKS

    def make_clip(self, request: ClipRequest) -> ClipMade:
        media = request.media.strip()
        if not media:
            raise NoFootage("the row gave no media for this scene")
        if "://" in media:
            (path, mime), source = self._download(media), public_url(media)
            credit = source
        else:
            (path, mime), source = self._local(media), media
            credit = ""
        try:
            check_decodes(path)
        except MediaError as error:
            message = f"the row's media {source!r} is not a video or image ffmpeg can read: {error}"
            raise PermanentError(message) from error
        return ClipMade(picture=file_source(request, path, mime), source=f"row-media:{source}", credit=credit)

    def _local(self, media: str) -> tuple[Path, str]:
        """A file inside `media_root` once symlinks and '..' are resolved; nothing else."""
        root = Path(self.media_root).resolve()
        try:
            path = (root / media).resolve()
            inside, found = path.is_relative_to(root), path.is_file()
        except (OSError, RuntimeError, ValueError) as error:  # too long a name, a symlink loop, a NUL
            raise PermanentError(f"the row's media {media!r} is not a usable file path: {error}") from None
        if not inside:
            raise PermanentError(f"the row's media {media!r} is outside the media folder {root} (SHORTS_MEDIA_ROOT)")
        if not found:
            raise PermanentError(f"the row's media {media!r} does not exist in {root} (SHORTS_MEDIA_ROOT)")
        mime = _media_type(path.name)
        if mime is None:
            raise PermanentError(f"the row's media {media!r} is not a video or image file (by its extension)")
        return path, mime

    def _download(self, url: str) -> tuple[Path, str]:
        where = public_url(url)
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            raise PermanentError(f"the row's media link {where!r} must be http(s), or a file under SHORTS_MEDIA_ROOT")

        def accept(content_type: str) -> str:
            if content_type.startswith(("video/", "image/")):
                return content_type
            if content_type in ("", "application/octet-stream", "binary/octet-stream") and _media_type(where):
                return _media_type(where)
            raise Unusable(f"{where} is {content_type or 'of no stated type'}, not a video or image")

        try:
            with public_client(self.timeout, allowance(self.allow_networks)) as client:
                download = DownloadCache(self.cache_dir).fetch(client, url, url, int(self.max_download_mb * MB), accept)
        except Unusable as error:
            fix = "fix it or remove it from the row's media column"
            raise PermanentError(f"the row's media link {error}: {fix}") from error
        return download.path, download.mime
