"""The footage chain: the sources SHORTS_FOOTAGE names, tried in order (Pexels against FakePexels)."""

from __future__ import annotations

import dagster as dg
import pytest

from shorts_assets import models
from shorts_assets.models import ProceduralSource
from shorts_assets.providers import PermanentError
from shorts_assets.providers.footage import ClipRequest, Footage
from shorts_assets.providers.footage_chain import FootageChain
from shorts_assets.providers.openai_footage import OpenAIImageFootage
from shorts_assets.providers.procedural_footage import ProceduralFootage
from shorts_assets.providers.stock_footage import PexelsFootage, RowMediaFootage
from shorts_assets_tests.conftest import SMALL, local_store
from shorts_assets_tests.fakes.pexels_api import API_KEY, FakePexels


@pytest.fixture
def pexels():
    """A Pexels that finds nothing (tests that want results give it videos)."""
    with FakePexels() as fake:
        yield fake


def _request(tmp_path) -> ClipRequest:
    scene = models.Scene(narration="Bees dance.", visual="bees dancing on a honeycomb")
    return ClipRequest("honeybees-1", 0, scene, tmp_path, fmt=SMALL)


def _chain(pexels, tmp_path, order) -> FootageChain:
    return FootageChain(
        order=order, procedural=ProceduralFootage(),
        row_media=RowMediaFootage(media_root=str(tmp_path), cache_dir=str(tmp_path / "cache")),
        pexels=PexelsFootage(api_key=API_KEY, base_url=pexels.url, cache_dir=str(tmp_path / "cache")),
    )


def test_is_footage():
    assert isinstance(FootageChain(order=["procedural"], procedural=ProceduralFootage()), Footage)


def test_chain_falls_through_to_the_next_provider(pexels, tmp_path):
    made = _chain(pexels, tmp_path, ["row-media", "pexels", "procedural"]).make_clip(_request(tmp_path))
    assert made.source.startswith("procedural:")
    assert len(pexels.calls("GET", "/videos/search")) == 1
    assert isinstance(made.picture, ProceduralSource)


def test_chain_with_nothing_for_a_scene_is_permanent_and_says_what_was_tried(pexels, tmp_path):
    with pytest.raises(PermanentError) as error:
        _chain(pexels, tmp_path, ["row-media", "pexels"]).make_clip(_request(tmp_path))
    message = str(error.value)
    assert "row-media: the row gave no media" in message and "pexels: Pexels has no portrait" in message


def test_chain_stops_at_a_permanent_error(pexels, tmp_path):
    bad_key = PexelsFootage(api_key="bad", base_url=pexels.url, cache_dir=str(tmp_path))
    chain = FootageChain(order=["pexels", "procedural"], procedural=ProceduralFootage(), pexels=bad_key)
    with pytest.raises(PermanentError, match="PEXELS_API_KEY"):
        chain.make_clip(_request(tmp_path))


def test_chain_refuses_an_order_it_cannot_serve(tmp_path):
    with pytest.raises(ValueError, match="names 'pexels' but no pexels footage provider is configured"):
        FootageChain(order=["pexels", "procedural"], procedural=ProceduralFootage())
    with pytest.raises(ValueError, match="choose from"):
        FootageChain(order=["stock"], procedural=ProceduralFootage())
    FootageChain(order=["openai-images", "procedural"], procedural=ProceduralFootage(),
                 openai_images=OpenAIImageFootage(api_key="k", store=local_store(tmp_path)))


def test_chain_is_a_dagster_resource_with_env_vars_in_its_providers(monkeypatch, tmp_path):
    monkeypatch.setenv("PEXELS_API_KEY", API_KEY)

    @dg.asset
    def which(footage: dg.ResourceParam[FootageChain]) -> list[str]:
        assert footage.pexels.api_key == API_KEY
        return footage.order

    chain = FootageChain(order=["pexels", "procedural"], procedural=ProceduralFootage(),
                         pexels=PexelsFootage(api_key=dg.EnvVar("PEXELS_API_KEY"), cache_dir=str(tmp_path)))
    result = dg.materialize([which], resources={"footage": chain})
    assert result.output_for_node("which") == ["pexels", "procedural"]
