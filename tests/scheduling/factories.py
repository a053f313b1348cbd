"""Schedule test data: courses, venues, series and sessions (other features import these).

Signatures here are stable; add keyword arguments with defaults, never change existing ones.
``make_session`` inserts rows directly (no validation), so tests can build any shape they
need, e.g. a three-day session of a course whose pack only has a one-day format.
"""

from __future__ import annotations

import itertools
import re
import shutil
from collections.abc import Sequence
from datetime import date, time, timedelta
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import Organisation
from app.config import PROJECT_ROOT
from app.content.loader import LoadedPack, load_pack
from app.content.models import Course, CourseVersion
from app.content.sync import install_pack, pack_folders, reproducible_zip
from app.scheduling.models import CourseSession, Series, SessionDay, Venue

COURSE_SLUGS = (
    "relationship-management",
    "client-expectations",
    "status-communication",
    "trust-and-confidence",
)
_sequence = itertools.count(1)


@lru_cache(maxsize=1)
def _real_packs() -> list[tuple[str, LoadedPack, bytes]]:
    # Reading and zipping the packs is half the cost of a sync; do it once per test run.
    folders = pack_folders(PROJECT_ROOT / "courses")
    loaded = [(folder.as_posix(), load_pack(folder)) for folder in folders]
    return [(source, pack, reproducible_zip(pack.files)) for source, pack in loaded]


def ensure_courses(db: Session) -> dict[str, Course]:
    """The four real courses (installed from courses/ on first use in a test), by slug."""
    courses = {c.slug: c for c in db.scalars(select(Course).where(Course.slug.in_(COURSE_SLUGS)))}
    if len(courses) < len(COURSE_SLUGS):
        for source, pack, archive in _real_packs():
            install_pack(db, pack, archive=archive, source=source)
        db.flush()
        courses = {
            c.slug: c for c in db.scalars(select(Course).where(Course.slug.in_(COURSE_SLUGS)))
        }
    return courses


def course_id(db: Session, slug: str) -> int:
    """The database id of a course by slug (syncing the real courses if needed)."""
    return ensure_courses(db)[slug].id


def current_version_id(db: Session, slug: str) -> int:
    """The id of a real course's current version (syncing the real courses if needed)."""
    return db.scalars(
        select(CourseVersion.id).where(
            CourseVersion.course_id == course_id(db, slug), CourseVersion.is_current.is_(True)
        )
    ).one()


def publish_new_version(
    db: Session, folder: Path, *, slug: str = "relationship-management", version: str = "9.0.0"
) -> CourseVersion:
    """A new current version of a real course: its pack copied under ``folder`` with another
    version number and title (" (revised)" appended), synced like an upload would be."""
    ensure_courses(db)  # the version in courses/ first, so the new one replaces it
    target = folder / f"{slug}-{version}"
    shutil.copytree(PROJECT_ROOT / "courses" / slug, target)
    spec = target / "course.yaml"
    text = re.sub(r"(?m)^version: .*$", f'version: "{version}"', spec.read_text(), count=1)
    text = re.sub(r"(?m)^(title: .*)$", r"\1 (revised)", text, count=1)
    spec.write_text(text)
    pack = load_pack(target)
    created, _ = install_pack(
        db, pack, archive=reproducible_zip(pack.files), source=target.as_posix()
    )
    db.flush()
    return created


def business_days_from(start: date, count: int) -> list[date]:
    """``count`` consecutive Mon–Fri dates from ``start`` (a weekend start rolls forward)."""
    days: list[date] = []
    current = start
    while len(days) < count:
        if current.weekday() < 5:
            days.append(current)
        current += timedelta(days=1)
    return days


def make_venue(
    db: Session,
    *,
    name: str | None = None,
    address: str = "1 Main Street, Springfield",
    online_url: str | None = None,
) -> Venue:
    """A saved venue (a room, or online when ``online_url`` is given)."""
    venue = Venue(name=name or f"Room {next(_sequence)}", address=address, online_url=online_url)
    db.add(venue)
    db.flush()
    return venue


def make_session(
    db: Session,
    *,
    course_slug: str = "relationship-management",
    capacity: int = 20,
    starts_on: date | None = None,
    days: int = 1,
    format_id: str | None = None,
    start_time: time = time(9, 0),
    end_time: time = time(17, 0),
    tz: str = "America/New_York",
    price_cents: int = 0,
    currency: str = "USD",
    min_participants: int = 0,
    go_no_go_on: date | None = None,
    organisation: Organisation | None = None,
    venue: Venue | None = None,
    online_url: str | None = None,
    series: Series | None = None,
    track_position: int | None = None,
    status: str = "scheduled",
) -> CourseSession:
    """A saved session with its days (consecutive business days), ``days`` loaded.

    ``starts_on`` defaults to the first business day 30 days from today; ``format_id``
    defaults to "one-day", "three-day" or "four-day" by ``days``.
    """
    number = next(_sequence)
    day_dates = business_days_from(starts_on or date.today() + timedelta(days=30), days)
    chosen_format = format_id or {1: "one-day", 3: "three-day", 4: "four-day"}.get(
        days, f"{days}-day"
    )
    session = CourseSession(
        uid=f"test-session-{number}-{day_dates[0].isoformat()}@apex",
        sequence=0,
        series_id=series.id if series is not None else None,
        track_position=track_position,
        occurrence_date=day_dates[0] if series is not None else None,
        course_id=course_id(db, course_slug),
        # Pinned like the services do: the course's current version when it is created.
        course_version_id=current_version_id(db, course_slug),
        format_id=chosen_format,
        starts_on=day_dates[0],
        ends_on=day_dates[-1],
        start_time=start_time,
        end_time=end_time,
        timezone=tz,
        capacity=capacity,
        price_cents=price_cents,
        currency=currency,
        min_participants=min_participants,
        go_no_go_on=go_no_go_on,
        venue_id=venue.id if venue is not None else None,
        online_url=online_url,
        organisation_id=organisation.id if organisation is not None else None,
        status=status,
    )
    db.add(session)
    db.flush()
    for index, day in enumerate(day_dates, start=1):
        db.add(SessionDay(session_id=session.id, day_index=index, date=day))
    db.flush()
    return load_session(db, session.id)


def load_session(db: Session, session_id: int) -> CourseSession:
    """A session re-read with its days loaded."""
    query = (
        select(CourseSession)
        .where(CourseSession.id == session_id)
        .options(selectinload(CourseSession.days))
        .execution_options(populate_existing=True)
    )
    return db.scalars(query).one()


def make_series(
    db: Session,
    *,
    title: str = "APEX Last Friday",
    rule: str = "FREQ=MONTHLY;BYDAY=-1FR",
    starts_on: date = date(2026, 12, 1),
    tz: str = "America/New_York",
    course_slugs: Sequence[str] = (
        "client-expectations",
        "status-communication",
        "trust-and-confidence",
    ),
    format_id: str = "one-day",
    start_time: time = time(9, 0),
    end_time: time = time(17, 0),
    capacity: int = 20,
    price_cents: int = 49500,
    currency: str = "USD",
    min_participants: int = 0,
    go_no_go_days: int = 7,
    holiday_country: str | None = "US",
    holiday_policy: str = "previous",
    venue: Venue | None = None,
    organisation: Organisation | None = None,
    horizon_months: int | None = 12,
    materialise_from: date | None = None,
) -> Series:
    """A saved series created through the service, with its sessions materialised.

    Sessions are materialised up to ``horizon_months`` after ``materialise_from``
    (default: ``starts_on``), so tests do not depend on today's date.
    """
    from app.scheduling import series as series_service
    from app.scheduling.schemas import SeriesCreate

    ensure_courses(db)
    return series_service.create_series(
        db,
        SeriesCreate(
            title=title,
            rrule=rule,
            timezone=tz,
            starts_on=starts_on,
            start_time=start_time,
            end_time=end_time,
            format_id=format_id,
            courses=list(course_slugs),
            venue_id=venue.id if venue is not None else None,
            capacity=capacity,
            price_cents=price_cents,
            currency=currency,
            min_participants=min_participants,
            go_no_go_days=go_no_go_days,
            holiday_country=holiday_country,
            holiday_policy=holiday_policy,
            organisation_id=organisation.id if organisation is not None else None,
            horizon_months=horizon_months,
        ),
        today=materialise_from or starts_on,
    ).series
