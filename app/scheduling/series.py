"""Series use cases: create, edit, extend the horizon, and manual date exceptions.

Inputs are ``schemas.SeriesCreate`` and ``schemas.SeriesUpdate``, validated here (the
messages a coordinator reads); the API, the pages and the demo build them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import Organisation
from app.bounds import form_currency
from app.config import get_settings
from app.errors import Invalid, NotFound
from app.scheduling import prices, recurrence, workdays
from app.scheduling.courses import CourseChoice, resolve_courses
from app.scheduling.materialise import (
    SyncOutcome,
    horizon,
    series_occurrences,
    series_today,
    sync_sessions,
)
from app.scheduling.models import CourseSession, Series, SeriesException, SeriesTrack, Venue
from app.scheduling.schemas import SeriesCreate, SeriesUpdate

EXCEPTION_KINDS = ("cancel", "move", "add")
MAX_TRACKS = 3
MAX_HORIZON_MONTHS = 36


@dataclass
class SeriesResult:
    """A series after a change, with what happened to its sessions."""

    series: Series
    created: list[CourseSession] = field(default_factory=list)
    changed: list[CourseSession] = field(default_factory=list)
    cancelled: list[CourseSession] = field(default_factory=list)
    not_changed: list[CourseSession] = field(default_factory=list)  # in use, left alone

    @classmethod
    def of(cls, series: Series, outcome: SyncOutcome) -> SeriesResult:
        """Wrap a sync outcome."""
        return cls(series, outcome.created, outcome.changed, outcome.cancelled, outcome.not_changed)


def _clean_title(title: str) -> str:
    cleaned = title.strip()
    if not cleaned:
        raise Invalid("Give the series a title.")
    if len(cleaned) > 200:
        raise Invalid("A series title has at most 200 characters.")
    return cleaned


def _clean_dates(data: SeriesCreate) -> str:
    """The resolved rule, once it and the series' dates are known to give sessions."""
    rule = recurrence.resolve_rule(data.rrule)
    if len(rule) > 500:
        raise Invalid("The rule is too long (at most 500 characters).")
    workdays.check_date(data.starts_on, "Start date")
    if data.ends_on is not None:
        workdays.check_date(data.ends_on, "End date")
        if data.ends_on < data.starts_on:
            raise Invalid("The series cannot end before it starts.")
    # A rule whose parts never meet is refused now, with the reason, instead of making a
    # series without sessions.
    recurrence.require_dates(rule, data.starts_on, data.ends_on)
    return rule


def _clean_place_and_time(data: SeriesCreate) -> tuple[str, str | None]:
    """The time zone and holiday country, checked with the policy and times."""
    timezone = data.timezone.strip()
    workdays.validate_timezone(timezone)
    country = (data.holiday_country or "").strip().upper() or None
    if country:
        workdays.holiday_calendar(country)
    if data.holiday_policy not in recurrence.POLICIES:
        raise Invalid(f"Holiday policy must be one of {', '.join(recurrence.POLICIES)}.")
    workdays.check_times(data.start_time, data.end_time)
    return timezone, country


def _clean_courses(db: Session, data: SeriesCreate) -> tuple[list[str], str, list[CourseChoice]]:
    """The course slugs and format, with the courses they name."""
    slugs = [slug.strip() for slug in data.courses if slug and slug.strip()]
    if not 1 <= len(slugs) <= MAX_TRACKS:
        raise Invalid(f"Choose 1 to {MAX_TRACKS} courses for each date.")
    if len(set(slugs)) != len(slugs):
        raise Invalid("Choose different courses for each track (a course is listed twice).")
    format_id = data.format_id.strip()
    return slugs, format_id, resolve_courses(db, slugs, format_id)


def _clean_offer(data: SeriesCreate, saved: int | None = None) -> str:
    """The currency, once capacity, prices, minimum and go/no-go days are in range.

    ``saved``: the series' prices before an edit; a high price already saved (so once
    confirmed) is not asked about again.
    """
    if data.capacity <= 0:
        raise Invalid("Capacity must be at least 1.")
    if data.price_cents < 0:
        raise Invalid("Prices cannot be negative.")
    currency = form_currency(data.currency)  # app.currencies: ISO 4217, one list
    if data.price_cents != saved:
        prices.check_price(
            data.price_cents, currency, label="Price", confirmed=data.confirm_high_price
        )
    if not 0 <= data.min_participants <= data.capacity:
        raise Invalid("Minimum participants must be between 0 and the capacity.")
    if not 0 <= data.go_no_go_days <= 90:
        raise Invalid("The go/no-go decision is 0 to 90 days before a session.")
    return currency


def _check_references(db: Session, data: SeriesCreate) -> None:
    months = data.horizon_months
    if months is not None and not 1 <= months <= MAX_HORIZON_MONTHS:
        raise Invalid(f"The horizon is 1 to {MAX_HORIZON_MONTHS} months.")
    if data.venue_id is not None and db.get(Venue, data.venue_id) is None:
        raise Invalid(f"There is no venue {data.venue_id}.")
    if data.organisation_id is not None and db.get(Organisation, data.organisation_id) is None:
        raise Invalid(f"There is no organisation {data.organisation_id}.")


def _clean(
    db: Session, data: SeriesCreate, saved: int | None = None
) -> tuple[SeriesCreate, list[CourseChoice]]:
    """Validate everything and return a normalised copy; nothing is written."""
    title = _clean_title(data.title)
    rule = _clean_dates(data)
    timezone, country = _clean_place_and_time(data)
    slugs, format_id, courses = _clean_courses(db, data)
    currency = _clean_offer(data, saved)
    _check_references(db, data)
    clean = data.model_copy(
        update={
            "title": title,
            "rrule": rule,
            "timezone": timezone,
            "holiday_country": country,
            "courses": slugs,
            "format_id": format_id,
            "currency": currency,
            "horizon_months": data.horizon_months or get_settings().schedule_horizon_months,
        }
    )
    return clean, courses


# The series columns that keep the input's name; the other two are written by hand.
_SAME_NAMES = (
    "title",
    "rrule",
    "timezone",
    "starts_on",
    "ends_on",
    "start_time",
    "end_time",
    "format_id",
    "venue_id",
    "currency",
    "min_participants",
    "go_no_go_days",
    "holiday_country",
    "holiday_policy",
    "organisation_id",
    "horizon_months",
)


def _write(series: Series, data: SeriesCreate, courses: list[CourseChoice]) -> None:
    for name in _SAME_NAMES:
        setattr(series, name, getattr(data, name))
    # A series' capacity and price are the defaults its sessions start from.
    series.default_capacity = data.capacity
    series.default_price_cents = data.price_cents
    wanted = {position: choice.id for position, choice in enumerate(courses, start=1)}
    current = {track.position: track for track in series.tracks}
    for position, track in current.items():
        if position not in wanted:
            series.tracks.remove(track)
        else:
            track.course_id = wanted[position]
    for position, course_id in wanted.items():
        if position not in current:
            series.tracks.append(SeriesTrack(position=position, course_id=course_id))


def get_series(db: Session, series_id: int) -> Series:
    """One series with its tracks and exceptions; ``NotFound`` otherwise."""
    query = (
        select(Series)
        .where(Series.id == series_id)
        .options(selectinload(Series.tracks), selectinload(Series.exceptions))
    )
    series = db.scalar(query)
    if series is None:
        raise NotFound(f"There is no series {series_id}.")
    return series


def list_series(db: Session, *, visible: ColumnElement[bool] | None = None) -> list[Series]:
    """Series by title with tracks loaded; only those ``visible`` (``visibility``) if given."""
    query = select(Series).options(selectinload(Series.tracks)).order_by(Series.title, Series.id)
    if visible is not None:
        query = query.where(visible)
    return list(db.scalars(query))


def current_values(series: Series, db: Session) -> SeriesCreate:
    """The current values of a series as an input (edit forms, updates, the API's answer)."""
    from app.scheduling.courses import courses_by_id

    courses = courses_by_id(db, [track.course_id for track in series.tracks])
    values = {name: getattr(series, name) for name in _SAME_NAMES}
    values["courses"] = [courses[t.course_id].slug for t in series.tracks if t.course_id in courses]
    values["capacity"] = series.default_capacity
    values["price_cents"] = series.default_price_cents
    # Saved rows are not validated again: an edit page must open even for a series whose
    # course was since removed (the save then names the problem).
    return SeriesCreate.model_construct(**values)


def create_series(db: Session, data: SeriesCreate, *, today: date | None = None) -> SeriesResult:
    """Validate and save a series, then materialise its sessions up to the horizon."""
    clean, courses = _clean(db, data)
    series = Series(tracks=[], exceptions=[])
    _write(series, clean, courses)
    series.is_active = True
    db.add(series)
    db.flush()
    day = today or series_today(series)
    outcome = sync_sessions(db, series, today=day, until=horizon(series, day), apply_changes=False)
    return SeriesResult.of(series, outcome)


def update_series(
    db: Session, series: Series, changes: SeriesUpdate, *, today: date | None = None
) -> SeriesResult:
    """Apply changes to a series and re-apply it to future sessions not in use.

    Sessions with participants are left as they are and listed in ``not_changed``.
    """
    merged = current_values(series, db).model_copy(update=changes.changes())
    saved = series.default_price_cents
    clean, courses = _clean(db, merged, saved)
    _write(series, clean, courses)
    db.flush()
    day = today or series_today(series)
    until = max(horizon(series, day), series.materialised_until or day)
    outcome = sync_sessions(db, series, today=day, until=until, apply_changes=True)
    return SeriesResult.of(series, outcome)


def extend_series(
    db: Session,
    series: Series,
    *,
    until: date | None = None,
    months: int | None = None,
    today: date | None = None,
) -> list[CourseSession]:
    """Materialise the sessions up to ``until`` (default: ``months`` or the series' horizon)."""
    day = today or series_today(series)
    target = until or horizon(series, day, months)
    if target > workdays.add_months(day, MAX_HORIZON_MONTHS):
        raise Invalid(f"Sessions are materialised at most {MAX_HORIZON_MONTHS} months ahead.")
    return sync_sessions(db, series, today=day, until=target, apply_changes=False).created


def extend_all(
    db: Session,
    until: date | None = None,
    *,
    months: int | None = None,
    today: date | None = None,
) -> list[tuple[Series, list[CourseSession]]]:
    """Move the horizon of every active series; returns what each one created."""
    if months is not None and not 1 <= months <= MAX_HORIZON_MONTHS:
        raise Invalid(f"Months must be between 1 and {MAX_HORIZON_MONTHS}.")
    query = (
        select(Series)
        .where(Series.is_active)
        .options(selectinload(Series.tracks), selectinload(Series.exceptions))
        .order_by(Series.id)
    )
    return [
        (series, extend_series(db, series, until=until, months=months, today=today))
        for series in db.scalars(query)
    ]


def add_exception(
    db: Session,
    series: Series,
    kind: str,
    original_date: date | None,
    new_date: date | None = None,
    note: str = "",
    *,
    today: date | None = None,
) -> SeriesResult:
    """Cancel, move or add one date, and apply it at once to the sessions not in use."""
    day = today or series_today(series)
    note = note.strip()
    if kind not in EXCEPTION_KINDS:
        raise Invalid(f"An exception is one of {', '.join(EXCEPTION_KINDS)}, not '{kind}'.")
    if len(note) > 300:
        raise Invalid("The note has at most 300 characters.")
    until = max(series.materialised_until or day, horizon(series, day))
    current = [o for o in series_occurrences(series, until=until) if not o.dropped]
    dates = {o.date for o in current} | {o.original_date for o in current}
    if kind in ("cancel", "move"):
        if original_date is None:
            raise Invalid("Give the date to change.")
        workdays.check_date(original_date, "Date to change")
        if original_date not in dates:
            raise Invalid(f"{original_date.isoformat()} is not a date of this series.")
        if original_date < day:
            raise Invalid(f"{original_date.isoformat()} is in the past.")
    else:
        original_date = None
    if kind in ("move", "add"):
        if new_date is None:
            raise Invalid("Give the new date.")
        workdays.check_date(new_date, "New date")
        if new_date < day:
            raise Invalid(f"{new_date.isoformat()} is in the past.")
        if new_date in dates:
            raise Invalid(f"{new_date.isoformat()} is already a date of this series.")
    else:
        new_date = None
    exception = SeriesException(
        kind=kind, original_date=original_date, new_date=new_date, note=note
    )
    series.exceptions.append(exception)
    db.flush()
    outcome = sync_sessions(db, series, today=day, until=until, apply_changes=True)
    return SeriesResult.of(series, outcome)
