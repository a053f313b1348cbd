"""The apex command: help, one-line errors, users and tokens against a scratch database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import migrate


def _apex(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_help_lists_the_commands() -> None:
    result = _apex("--help")
    assert result.returncode == 0
    for command in ("serve", "db", "users"):
        assert command in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bogus"], "No such command 'bogus'"),
        (["users", "create", "--email", "x@example.com"], "Missing option '--name'"),
        (["serve", "--port", "99999"], "--port"),
    ],
)
def test_bad_arguments_give_one_line_and_non_zero_exit(args: list[str], message: str) -> None:
    result = _apex(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("apex: error:") and message in lines[0]


def test_users_create_and_token(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    migrate.upgrade(url=url)
    env = {"APEX_DATABASE_URL": url}
    created = _apex(
        "users",
        "create",
        "--email",
        "cli@example.com",
        "--name",
        "Cli User",
        "--role",
        "coordinator",
        "--role",
        "learner",
        env=env,
    )
    assert created.returncode == 0, created.stderr
    assert "Password: " in created.stdout  # generated and printed
    token = _apex("users", "token", "cli@example.com", env=env)
    assert token.returncode == 0
    assert token.stdout.strip().startswith("apex_") and len(token.stdout.strip()) > 40
    again = _apex(
        "users", "create", "--email", "cli@example.com", "--name", "X", "--role", "learner", env=env
    )
    assert again.returncode == 1
    assert (
        again.stderr.strip()
        == "apex: error: An account with that e-mail address already exists. Sign in instead."
    )
    bad_role = _apex(
        "users", "create", "--email", "r@example.com", "--name", "R", "--role", "wizard", env=env
    )
    assert bad_role.returncode == 1 and "Unknown role" in bad_role.stderr
    unknown = _apex("users", "token", "nobody@example.com", env=env)
    assert unknown.returncode == 1 and "No account uses" in unknown.stderr


def test_production_serve_refuses_to_start_without_a_base_url() -> None:
    # Links would otherwise follow each request's Host header, which a client can forge.
    result = _apex(
        "serve",
        "--port",
        "8199",
        env={"APEX_ENV": "production", "APEX_BASE_URL": "", "APEX_SECRET_KEY": "x" * 48},
    )
    assert result.returncode == 1
    assert "APEX_BASE_URL is not set" in result.stderr
