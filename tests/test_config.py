"""Settings: secret key handling, defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import ConfigurationError, Settings, resolve_secret_key


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    settings = Settings(env="production", secret_key="", var_dir=tmp_path)
    with pytest.raises(ConfigurationError, match="APEX_SECRET_KEY"):
        resolve_secret_key(settings)


def test_development_key_is_generated_once(tmp_path: Path) -> None:
    settings = Settings(env="development", secret_key="", var_dir=tmp_path)
    first = resolve_secret_key(settings)
    second = resolve_secret_key(settings)
    assert first == second and len(first) >= 48
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_default_database_is_sqlite_under_var(tmp_path: Path) -> None:
    settings = Settings(database_url="", var_dir=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path / 'apex.db'}"


def test_https_base_url_turns_on_secure_cookies() -> None:
    assert Settings(base_url="https://apex.example.com").secure_cookies is True
    assert Settings(base_url="http://127.0.0.1:8000").secure_cookies is False
