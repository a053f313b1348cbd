"""The fresh-machine check: which Debian packages `make run` and `make test` need."""

from __future__ import annotations

import subprocess
import sys

import pytest

from app import syscheck


def _absent(*packages: str) -> object:
    def present(self: syscheck.Requirement) -> bool:
        return self.package not in packages

    return present


def test_without_permission_to_install_it_prints_one_apt_line_and_stops(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(syscheck.Requirement, "present", _absent("fonts-noto-cjk", "chromium"))
    monkeypatch.setenv("APEX_NO_APT", "1")
    assert syscheck.main(["run"]) == 1
    assert "apt-get install fonts-noto-cjk\n" in capsys.readouterr().err
    assert syscheck.main(["test"]) == 1
    assert "apt-get install fonts-noto-cjk chromium\n" in capsys.readouterr().err


def test_when_it_may_install_it_shows_and_runs_apt_get(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    installed: set[str] = set()
    ran: list[list[str]] = []
    monkeypatch.setattr(
        syscheck.Requirement, "present", lambda self: self.package != "chromium" or bool(installed)
    )
    monkeypatch.delenv("APEX_NO_APT", raising=False)
    monkeypatch.setattr(syscheck, "_apt_prefix", lambda: [])

    def run(command: list[str], **_: object) -> subprocess.CompletedProcess[bytes]:
        ran.append(command)
        if "install" in command:
            installed.add("chromium")
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(syscheck.subprocess, "run", run)
    assert syscheck.main(["run"]) == 0 and ran == []  # `make run` does not need Chromium
    assert syscheck.main(["test"]) == 0
    assert ran[-1][-1] == "chromium" and "install" in ran[-1]
    assert "apex: installing Debian packages: chromium" in capsys.readouterr().err


def test_everything_present_here_passes_quietly() -> None:
    # This machine runs the suite, so what the suite needs is here.
    result = subprocess.run(
        [sys.executable, "app/syscheck.py", "test"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
