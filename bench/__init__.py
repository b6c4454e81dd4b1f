"""Measurements of the media code (not tests); a package so the tests can reuse their inputs."""
