"""Measurements of the media code (not tests); a package so the tests can reuse their inputs."""

import json
from pathlib import Path


def save(path: Path, figures: dict) -> None:
    """Keep a benchmark's figures in bench/results/ (what `make bench` summarises) and print them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
