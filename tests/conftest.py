"""Fixtures shared by every test."""

import pytest


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    # Keep every test's cache away from the developer's own ~/.cache.
    monkeypatch.setenv("LIUSHOU_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
