"""The offline footage: procedural backgrounds and text cards, chosen per scene."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest

from shorts_assets import models
from shorts_assets.media.backgrounds import GENERATORS
from shorts_assets.providers import procedural_footage
from shorts_assets.providers.footage import ClipRequest, Footage, card_text, scene_seed
from shorts_assets.providers.procedural_footage import ProceduralFootage, generator_for
from shorts_assets_tests.conftest import SMALL


def test_is_footage():
    assert isinstance(ProceduralFootage(), Footage)


def test_scenes_choose_their_generator_from_the_item_and_index(tmp_path):
    scene = models.Scene(narration="Bees dance.", visual="bees dancing on a honeycomb")
    request = ClipRequest("honeybees-1", 1, scene, tmp_path, fmt=SMALL)
    made = ProceduralFootage().make_clip(request)
    kind, seed = generator_for("honeybees-1", 1), scene_seed("honeybees-1", 1)
    assert made.picture == models.ProceduralSource(generator=kind, seed=seed)
    assert made.source == f"procedural:{kind} seed={seed}"
    assert ProceduralFootage().make_clip(request) == made
    assert list(tmp_path.iterdir()) == []  # a recipe: nothing drawn, nothing encoded


@pytest.mark.parametrize(
    ("visual", "words"),
    [
        ("title card: Why do bees dance? (100% true: it's science)", ["bees", "dance?"]),
        ("Call to action card: Follow for more!", ["Follow", "more!"]),
    ],
)
def test_text_cards(tmp_path, visual, words):
    scene = models.Scene(narration="Hello.", visual=visual)
    made = ProceduralFootage().make_clip(ClipRequest("honeybees-1", 0, scene, tmp_path, language="en", fmt=SMALL))
    assert made.source.startswith("procedural:card seed=")
    assert made.picture == models.CardSource(text=card_text(visual), language="en", seed=scene_seed("honeybees-1", 0))
    assert all(word in made.picture.text.split() for word in words)


def test_card_text_is_the_text_after_the_card_prefix():
    assert card_text("bees on flowers") is None
    assert card_text("Title card:   Bees!") == "Bees!"


def test_seeds_are_stable_across_processes():
    # sha256, never Python's salted hash(): pinned values, and a fresh interpreter agrees.
    assert scene_seed("honeybees-1", 0) == scene_seed("honeybees-1", 0)
    assert scene_seed("honeybees-1", 0) != scene_seed("honeybees-1", 1)
    assert scene_seed("honeybees-1", 0) != scene_seed("honeybees-2", 0)
    expected = int.from_bytes(hashlib.sha256(b"honeybees-1\x000").digest()[:4], "big")
    assert scene_seed("honeybees-1", 0) == expected
    code = (
        "from shorts_assets.providers.procedural_footage import generator_for as g;"
        "print(','.join(g('honeybees-1', i) for i in range(7)))"
    )
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"},
        cwd=Path(procedural_footage.__file__).parents[2],
    ).stdout.strip()
    assert other == ",".join(generator_for("honeybees-1", i) for i in range(7))


def test_neighbouring_scenes_differ():
    for item in ["honeybees-1", "octopus-hearts", "why-is-the-sky-blue"]:
        kinds = [generator_for(item, i) for i in range(len(GENERATORS))]
        assert sorted(kinds) == sorted(GENERATORS)  # every generator once per cycle
        assert all(a != b for a, b in pairwise(kinds))
    items = ["a-1", "b-2", "c-3", "d-4"]
    orders = {tuple(generator_for(item, i) for i in range(5)) for item in items}
    assert len(orders) > 1, "every item uses the same order"

