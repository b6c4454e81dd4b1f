"""What the web UI shows a reviewer, as markdown metadata: the script as text, the video as pictures
with a link that plays it, and the figures beside them.

Everything written here may come from a sheet row or a service's answer, so text is escaped:
a script that says `![x](https://tracker/pixel.png)` shows those characters and loads nothing.
The only images are `data:` pictures made here, and the only links are the store's own.
"""

from __future__ import annotations

import re
from pathlib import Path

from dagster import MetadataValue

from .media.previews import data_uri
from .models import Script
from .store import Link

# CommonMark's backslash-escapable punctuation: escaped, none of it can open a link, image, tag or table.
SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&\"'=:])")


def escaped(text: str) -> str:
    """`text` shown as written, one line: markdown and HTML in it stay characters."""
    return SPECIAL.sub(r"\\\1", " ".join(text.split()))


def picture(alt: str, path: Path) -> str:
    return f"![{escaped(alt)}]({data_uri(path)})"


def link_line(what: str, link: Link) -> str:
    """A web link to click (S3, presigned), or a local file's path to open in a player."""
    if link.path is None:
        return f"**▶ [{what}]({link.url})** ({link.shown()})"
    return f"**▶ {what}:** `{link.path.replace('`', '')}` ({link.shown()}: open it in a player)"


def script_page(script: Script) -> str:
    """The script as a person reads it: title, each scene's words with its visual cue, the post's text."""
    lines = [f"## {escaped(script.title)}", ""]
    lines += [f"{number}. **{escaped(scene.narration)}**  \n   _visual: {escaped(scene.visual)}_"
              for number, scene in enumerate(script.scenes, 1)]
    lines += ["", f"**Description:** {escaped(script.description)}"]
    if script.hashtags:
        lines += ["", escaped(" ".join(script.hashtags))]
    return "\n".join(lines)


def video_page(thumbnail: Path, frames: Path, video: Link, spec: str, cost_usd: float, captions: str) -> str:
    """The review page of one video: what it looks like, where to play it, whether it meets the spec,
    what it cost, and what its captions say."""
    return "\n".join([
        f"{picture('thumbnail', thumbnail)} {picture('frames from across the video', frames)}",
        "",
        link_line("Play the video", video),
        "",
        f"**Spec check:** {escaped(spec)}",
        "",
        f"**Cost so far:** ${cost_usd:.2f}",
        "",
        f"**Captions:** {escaped(captions)}",
    ])


def link_entries(name: str, link: Link) -> dict[str, MetadataValue]:
    """A stored file as metadata entries the UI makes clickable (S3: presigned, with when it stops
    working) or copyable (a local file's path)."""
    if link.path is not None:
        return {name: MetadataValue.path(link.path)}
    return {name: MetadataValue.url(link.url), f"{name}_link_expires": MetadataValue.timestamp(link.expires)}
