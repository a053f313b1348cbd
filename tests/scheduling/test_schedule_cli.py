"""``apex schedule preview`` and ``apex schedule extend``, run as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import migrate
from app.db import make_engine
from app.scheduling.models import CourseSession
from tests.scheduling.factories import make_series


def _apex(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_preview_prints_one_line_per_date_with_holiday_notes() -> None:
    """The issue's example, as a real process: the Christmas Friday moves to the 24th."""
    result = _apex(
        "schedule",
        "preview",
        "--rule",
        "FREQ=MONTHLY;BYDAY=-1FR",
        "--start",
        "2026-11-01",
        "--count",
        "3",
        "--tz",
        "America/New_York",
        "--holidays",
        "US",
        "--policy",
        "previous",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "2026-11-27\n2026-12-24  moved from 2026-12-25: Christmas Day\n2027-01-29\n"
    )


def _apex_in_process(
    *args: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    """Run ``main()`` in this process (faster than a subprocess for many small cases)."""
    from app.cli import main

    monkeypatch.setattr(sys, "argv", ["apex", *args])
    code = 0
    try:
        main()
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_preview_accepts_a_preset_and_shows_skipped_dates(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _apex_in_process(
        "schedule",
        "preview",
        "--rule",
        "last-friday",
        "--start",
        "2026-12-01",
        "--count",
        "2",
        "--tz",
        "America/New_York",
        "--holidays",
        "US",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert code == 0, err
    assert out == "2026-12-25  skipped: Christmas Day\n2027-01-29\n"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"--rule": "FREQ=NEVER"}, "is not a valid RRULE"),
        ({"--tz": "Atlantis/Capital"}, "'Atlantis/Capital' is not a known time zone"),
        ({"--holidays": "ZZ"}, "'ZZ' is not a country with known holidays"),
        ({"--policy": "later"}, "Holiday policy must be one of skip, previous, next"),
        ({"--start": "2026-02-30"}, "'2026-02-30' is not a date (YYYY-MM-DD)"),
        ({"--count": "0"}, "--count"),
    ],
)
def test_bad_preview_arguments_give_one_line_and_non_zero_exit(
    change: dict[str, str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    options = {
        "--rule": "last-friday",
        "--start": "2026-12-01",
        "--count": "3",
        "--tz": "America/New_York",
        "--holidays": "US",
        "--policy": "skip",
        **change,
    }
    args = [part for pair in options.items() for part in pair]
    code, out, err = _apex_in_process(
        "schedule", "preview", *args, monkeypatch=monkeypatch, capsys=capsys
    )
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("apex: error:") and message in lines[0]


def test_extend_materialises_further_and_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'schedule.db'}"
    migrate.upgrade(url=url)
    engine = make_engine(url)
    today = date.today()
    with Session(engine) as db:
        series = make_series(
            db,
            starts_on=today.replace(day=1),
            horizon_months=3,
            holiday_country=None,
            materialise_from=today,
        )
        series_id = series.id
        db.commit()

    def count() -> int:
        with Session(engine) as db:
            query = select(func.count()).where(CourseSession.series_id == series_id)
            return db.scalar(query.select_from(CourseSession)) or 0

    before = count()
    env = {"APEX_DATABASE_URL": url}
    first = _apex("schedule", "extend", "--months", "9", env=env)
    assert first.returncode == 0, first.stderr
    created = count() - before
    assert created >= 15  # six more months of three courses
    lines = first.stdout.strip().splitlines()
    assert len(lines) == created + 2
    horizon = (today.replace(day=1) + timedelta(days=31 * 9)).replace(day=1)
    assert f"APEX Last Friday: {created} new sessions" in first.stdout
    assert str(horizon.year) in first.stdout
    assert lines[-1] == f"{created} sessions created in 1 series."

    again = _apex("schedule", "extend", "--months", "9", env=env)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().splitlines()[-1] == "0 sessions created in 1 series."
    assert count() == before + created
    engine.dispose()
