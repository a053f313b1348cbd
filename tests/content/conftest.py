"""Shared fixtures for the content-pack tests."""

from __future__ import annotations

import pytest

from tests.content.packbuilder import PackBuilder, minimal_pack


@pytest.fixture
def pack() -> PackBuilder:
    """A fresh minimal valid pack to break in one place."""
    return minimal_pack()
