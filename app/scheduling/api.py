"""``/api/v1/series``: list, create, read, change, extend, and the public rule preview."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.permissions import ApiUser
from app.db import DbSession, transaction
from app.errors import Forbidden, NotFound
from app.scheduling import preview as rule_preview
from app.scheduling import recurrence, series, visibility
from app.scheduling.courses import course_titles
from app.scheduling.models import CourseSession, Series, SessionStatus
from app.scheduling.schemas import (
    ExtendIn,
    ExtendOut,
    OccurrenceOut,
    PreviewOut,
    SeriesChangeOut,
    SeriesCreate,
    SeriesOut,
    SeriesUpdate,
    SessionBriefOut,
)

router = APIRouter(tags=["series"])


def _coordinator(user: User) -> None:
    if not visibility.is_staff(user):
        raise Forbidden("Only coordinators may change series.")


def _visible(db: Session, user: User, item: Series) -> Series:
    if visibility.can_see_series(db, user, item):
        return item
    raise NotFound(f"There is no series {item.id}.")


def _briefs(db: Session, found: Iterable[CourseSession]) -> list[SessionBriefOut]:
    items = list(found)
    titles = course_titles(db, {s.course_id for s in items})
    return [
        SessionBriefOut(
            id=s.id,
            uid=s.uid,
            sequence=s.sequence,
            course=titles.get(s.course_id, ""),
            track=s.track_position,
            occurrence_date=s.occurrence_date,
            starts_on=s.starts_on,
            ends_on=s.ends_on,
            status=s.status,
            url=f"/api/v1/sessions/{s.id}",
        )
        for s in items
    ]


def _series_out(db: Session, item: Series) -> SeriesOut:
    count = db.scalar(
        select(func.count())
        .select_from(CourseSession)
        .where(CourseSession.series_id == item.id, CourseSession.status == SessionStatus.SCHEDULED)
    )
    return SeriesOut(
        **dict(series.current_values(item, db)),
        id=item.id,
        description=recurrence.describe_rule(item.rrule),
        is_active=item.is_active,
        materialised_until=item.materialised_until,
        sessions=count or 0,
        url=f"/api/v1/series/{item.id}",
    )


def _change_out(db: Session, result: series.SeriesResult) -> SeriesChangeOut:
    return SeriesChangeOut(
        series=_series_out(db, result.series),
        created=_briefs(db, result.created),
        changed=_briefs(db, result.changed),
        cancelled=_briefs(db, result.cancelled),
        not_changed=_briefs(db, result.not_changed),
    )


@router.get("/series/preview", response_model=PreviewOut)
def preview(
    request: Request,
    rule: str,
    start: date,
    tz: str,
    holidays: str = "",
    policy: str = "skip",
    count: Annotated[int, Query(ge=1, le=100)] = 12,
    weekday: str = "",
) -> PreviewOut:
    """The next dates of a rule or preset, with holiday moves and drops (public: no data).

    Limited per client address (429): anyone may ask, and a rule can cost work.
    """
    # The count commits in its own transaction before the work starts: a preview refused
    # as too much work (422) rolls its request back, and must still have been counted.
    with transaction() as db:
        rule_preview.count_preview(db, request.client.host if request.client else None)
    resolved, found = rule_preview.preview(
        rule,
        start,
        tz,
        count=count,
        holiday_country=holidays or None,
        policy=policy,
        weekday=weekday or None,
    )
    return PreviewOut(
        rrule=resolved,
        description=recurrence.describe_rule(resolved),
        occurrences=[
            OccurrenceOut(
                date=o.date,
                original_date=o.original_date,
                note=o.note,
                dropped=o.dropped,
                line=recurrence.format_line(o),
            )
            for o in found
        ],
    )


@router.get("/series", response_model=list[SeriesOut])
def list_series(db: DbSession, user: ApiUser) -> list[SeriesOut]:
    """Series this person may see (coordinators: all; others: public and their organisations')."""
    found = series.list_series(db, visible=visibility.visible_series_clause(db, user))
    return [_series_out(db, item) for item in found]


@router.post("/series", response_model=SeriesChangeOut, status_code=201)
def create_series(db: DbSession, user: ApiUser, body: SeriesCreate) -> SeriesChangeOut:
    """Create a series and materialise its sessions up to the horizon (coordinators)."""
    _coordinator(user)
    with db.begin_nested():
        result = series.create_series(db, body)
    return _change_out(db, result)


@router.get("/series/{series_id:id}", response_model=SeriesOut)
def get_series(db: DbSession, user: ApiUser, series_id: int) -> SeriesOut:
    """One series (404 for an in-house series of another organisation)."""
    item = _visible(db, user, series.get_series(db, series_id))
    return _series_out(db, item)


@router.patch("/series/{series_id:id}", response_model=SeriesChangeOut)
def patch_series(
    db: DbSession, user: ApiUser, series_id: int, body: SeriesUpdate
) -> SeriesChangeOut:
    """Change a series; future sessions without enrolments follow, the others are listed."""
    _coordinator(user)
    item = series.get_series(db, series_id)
    with db.begin_nested():
        result = series.update_series(db, item, body)
    return _change_out(db, result)


@router.post("/series/{series_id:id}/extend", response_model=ExtendOut)
def extend_series(
    db: DbSession, user: ApiUser, series_id: int, body: ExtendIn | None = None
) -> ExtendOut:
    """Materialise sessions further ahead (default: the series' horizon from today)."""
    _coordinator(user)
    item = series.get_series(db, series_id)
    wanted = body or ExtendIn()
    created = series.extend_series(db, item, until=wanted.until, months=wanted.months)
    return ExtendOut(
        series_id=item.id, materialised_until=item.materialised_until, created=_briefs(db, created)
    )
