"""Everything a session's documents show, read from the database once into plain data.

Rendering happens outside the database transaction (it takes seconds), so the facts are
frozen dataclasses rather than ORM objects; they are also the inputs that name the stored
files (see :meth:`SessionFacts.inputs`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import User
from app.content.agenda import Entry, entries, plan_days
from app.content.credits import credit_hours_for
from app.content.models import Course, CourseAsset, CourseModule, CourseVersion
from app.documents.models import Certificate, is_live
from app.documents.pdf.fetcher import Asset, asset_href
from app.enrollment.models import Enrollment, EnrollmentStatus
from app.errors import Invalid, NotFound
from app.formatting import day_span, time_range
from app.scheduling.models import CourseSession, SessionFacilitator, Venue
from app.scheduling.service import taught_version

_MODULE_FILE = re.compile(r"modules/\d+-([a-z0-9-]+)\.md")


@dataclass(frozen=True)
class ModuleFacts:
    """One module of the course version, with its Markdown source."""

    position: int
    slug: str
    title: str
    minutes: int
    objectives: tuple[str, ...]
    body: str


@dataclass(frozen=True)
class SessionFacts:
    """A session as its documents see it: course, format, dates, place, people."""

    session_id: int
    course_slug: str
    course_title: str
    course_version: str
    content_hash: str
    credit_hours: float
    format_id: str
    format_title: str
    days: tuple[date, ...]
    start_time: time
    end_time: time
    timezone: str
    venue_name: str
    venue_address: str
    online_url: str
    facilitators: tuple[str, ...]
    participants: tuple[str, ...]
    agenda: tuple[Entry, ...]  # minutes resolved by content.agenda (a module lasts its module)
    modules: tuple[ModuleFacts, ...]
    asset_shas: dict[str, str] = field(default_factory=dict)  # pack path -> sha256
    assets: dict[str, Asset] = field(default_factory=dict)  # sha256 -> bytes
    certificates: tuple[Certificate, ...] = ()

    def asset_url(self, path: str) -> str:
        """The render URL of a pack file; a link to a module becomes an in-document link."""
        match = _MODULE_FILE.fullmatch(path)
        if match:
            return f"#module-{match.group(1)}"
        # A path that is not an asset gets a URL the fetcher refuses (the image is skipped).
        return asset_href(self.asset_shas.get(path, "missing"), path)

    def workbook_modules(self) -> tuple[ModuleFacts, ...]:
        """The modules the format's agenda teaches, in course order (all when it names none)."""
        taught = {entry.module for entry in self.agenda if entry.module}
        chosen = tuple(m for m in self.modules if m.slug in taught)
        return chosen or self.modules

    def windows(self) -> list[tuple[time, time]]:
        """Each teaching day's start and end, in the session's own zone (one pair per day)."""
        return [(self.start_time, self.end_time)] * max(1, len(self.days))

    def inputs(self) -> dict[str, Any]:
        """What the documents depend on (names the stored files; no ids, no timestamps)."""
        return {
            "course": [self.course_slug, self.course_version, self.content_hash],
            "format": self.format_id,
            "days": [day.isoformat() for day in self.days],
            "times": [self.start_time.isoformat(), self.end_time.isoformat(), self.timezone],
            "venue": [self.venue_name, self.venue_address, self.online_url],
            "facilitators": list(self.facilitators),
            "participants": list(self.participants),
            # The laid-out agenda itself, so a change in how breaks are placed makes new files.
            "agenda": [
                [slot.label, slot.entry.title]
                for plan in plan_days(self.agenda, self.windows())
                for slot in plan.slots
            ],
            "credit_hours": self.credit_hours,
        }


def _session_version(db: Session, session: CourseSession) -> CourseVersion:
    # The version pinned on the session: documents printed after a newer version was
    # published still match what the session teaches (and its certificates state).
    taught = taught_version(db, session)
    if taught is not None:
        return taught
    # A course without a current version: its newest, so documents can still be made.
    query = (
        select(CourseVersion)
        .where(CourseVersion.course_id == session.course_id)
        .order_by(CourseVersion.is_current.desc(), CourseVersion.id.desc())
        .limit(1)
    )
    version = db.scalars(query).first()
    if version is None:
        raise Invalid("The session's course has no content loaded yet: sync its pack first.")
    return version


def _names(db: Session, query: Any) -> tuple[str, ...]:
    rows = db.execute(query).all()
    # Sorted by name, then id: the order is part of the output, so it must be stable.
    return tuple(name for name, _ in sorted(rows, key=lambda row: (row[0].casefold(), row[1])))


def confirmed_participants(db: Session, session_id: int) -> tuple[str, ...]:
    """Display names of the confirmed participants, sorted."""
    query = (
        select(User.display_name, User.id)
        .join(Enrollment, Enrollment.user_id == User.id)
        .where(
            Enrollment.session_id == session_id,
            Enrollment.status == EnrollmentStatus.CONFIRMED,
        )
    )
    return _names(db, query)


def session_certificates(db: Session, session_id: int) -> tuple[Certificate, ...]:
    """The session's certificates in force (not revoked, not replaced), by holder name."""
    query = select(Certificate).where(
        Certificate.session_id == session_id,
        is_live(),
    )
    certificates = db.scalars(query).all()
    return tuple(sorted(certificates, key=lambda c: (c.holder_name.casefold(), c.serial)))


def load_session_facts(db: Session, session_id: int) -> SessionFacts:
    """Read a session's documents' facts; ``NotFound`` for an unknown session."""
    session = db.scalar(
        select(CourseSession)
        .where(CourseSession.id == session_id)
        .options(selectinload(CourseSession.days))
    )
    if session is None:
        raise NotFound(f"There is no session {session_id}.")
    course = db.get(Course, session.course_id)
    assert course is not None  # a foreign key
    version = _session_version(db, session)
    spec_format = version.spec.get("formats", {}).get(session.format_id)
    if spec_format is None:
        raise Invalid(
            f"The course {course.slug!r} has no {session.format_id!r} format; "
            "its workbook and guide cannot be made for this session."
        )
    module_rows = db.scalars(
        select(CourseModule)
        .where(CourseModule.course_version_id == version.id)
        .order_by(CourseModule.position)
    ).all()
    modules = tuple(
        ModuleFacts(m.position, m.slug, m.title, m.minutes, tuple(m.objectives), m.body)
        for m in module_rows
    )
    asset_rows = db.scalars(
        select(CourseAsset).where(CourseAsset.course_version_id == version.id)
    ).all()
    venue = db.get(Venue, session.venue_id) if session.venue_id is not None else None
    facilitators = _names(
        db,
        select(User.display_name, User.id)
        .join(SessionFacilitator, SessionFacilitator.user_id == User.id)
        .where(SessionFacilitator.session_id == session.id),
    )
    days = tuple(day.date for day in session.days) or (session.starts_on,)
    return SessionFacts(
        session_id=session.id,
        course_slug=course.slug,
        course_title=version.title,
        course_version=version.version,
        content_hash=version.content_hash,
        credit_hours=credit_hours_for(version, session.format_id),
        format_id=session.format_id,
        format_title=str(spec_format.get("title", session.format_id)),
        days=days,
        start_time=session.start_time,
        end_time=session.end_time,
        timezone=session.timezone,
        venue_name=venue.name if venue else "",
        venue_address=venue.address if venue else "",
        online_url=session.online_url or (venue.online_url if venue else None) or "",
        facilitators=facilitators,
        participants=confirmed_participants(db, session.id),
        agenda=tuple(
            entries(
                spec_format,
                {m.slug: m.minutes for m in modules},
                {m.slug: m.title for m in modules},
            )
        ),
        modules=modules,
        asset_shas={a.path: a.sha256 for a in asset_rows},
        assets={a.sha256: Asset(a.media_type, a.data) for a in asset_rows},
        certificates=session_certificates(db, session.id),
    )


def place(facts: SessionFacts) -> str:
    """The venue on one line: room and address, or 'Online'."""
    if facts.venue_name:
        return ", ".join(
            part for part in (facts.venue_name, _one_line(facts.venue_address)) if part
        )
    return "Online" if facts.online_url else "Venue to be confirmed"


def _one_line(text: str) -> str:
    return ", ".join(line.strip() for line in text.splitlines() if line.strip())


def created_stamp(facts: SessionFacts) -> str:
    """The PDF creation date: the session's first day, so a re-render is byte-identical."""
    return f"{facts.days[0].isoformat()}T00:00:00Z"


def document_context(facts: SessionFacts, title: str) -> dict[str, Any]:
    """What every session document template gets: title, fixed dates, course and session."""
    return {
        "title": title,
        "created": created_stamp(facts),
        "facts": facts,
        "dates_text": day_span(facts.days),
        "times_text": f"{time_range(facts.start_time, facts.end_time)} ({facts.timezone})",
        "place_text": place(facts),
        "facilitators_text": ", ".join(facts.facilitators) or "To be confirmed",
    }
