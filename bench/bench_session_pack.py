"""session_pack_30: 30 personalised workbooks, each rendered alone, against the batch path.

The batch path (``workbooks_pdf``) lays out the shared body (contents and modules) once,
all 30 covers in one pass, and paints the body's pages once for all 30 copies. The
baseline renders one personalised workbook on its own (cover and body in one document,
the same parsed CSS and fonts); the ratio is 30 x that time over the batch's time, for
the Relationship Management one-day course. Also printed: the batch's peak memory, the
whole print pack's time and the page count of each document.
"""

from __future__ import annotations

import gc
import io
import resource
import statistics
import threading
import time
import tracemalloc
from datetime import date
from datetime import time as clock
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

PARTICIPANTS = 30
ALONE_SAMPLES = 3  # medians of a few runs, as other work on the machine adds noise
BATCH_SAMPLES = 3
SIX = ["Zoë Ødegård", "Łukasz Żółć", "Σωκράτης", "Дмитрий", "محمد", "李小龍"]
FIRST = ["Ada", "Grace", "Alan", "Barbara", "Edsger", "Frances", "Donald", "Katherine"]
LAST = ["Lovelace", "Hopper", "Turing", "Liskov", "Dijkstra", "Allen", "Knuth", "Johnson"]


def _names() -> list[str]:
    generated = [f"{FIRST[i % 8]} {LAST[(i * 3) % 8]}-{i}" for i in range(PARTICIPANTS - len(SIX))]
    return SIX + generated


def _session_facts():  # -> SessionFacts
    """A one-day Relationship Management session with 30 confirmed participants."""
    from sqlalchemy import select

    from app.accounts.models import Role
    from app.accounts.service import create_user
    from app.config import get_settings
    from app.content.models import Course
    from app.content.sync import sync_folder
    from app.db import get_session_factory, utcnow
    from app.documents.session_docs.facts import load_session_facts
    from app.enrollment.models import Enrollment
    from app.scheduling.models import CourseSession, SessionDay, SessionFacilitator, Venue

    with get_session_factory()() as db:
        course = db.scalars(select(Course).where(Course.slug == "relationship-management")).first()
        if course is None:
            assert sync_folder(db, get_settings().courses_dir).ok
            course = db.scalars(
                select(Course).where(Course.slug == "relationship-management")
            ).one()
        stamp = time.time_ns()
        venue = Venue(name="Harbour Room", address="12 Quay Street\nSpringfield")
        db.add(venue)
        db.flush()
        session = CourseSession(
            uid=f"bench-{stamp}@apex", course_id=course.id, format_id="one-day",
            course_version_id=_current_version_id(db, course.id),
            starts_on=date(2026, 12, 4), ends_on=date(2026, 12, 4), start_time=clock(9, 0),
            end_time=clock(17, 0), timezone="America/New_York", capacity=40, venue_id=venue.id,
        )  # fmt: skip
        db.add(session)
        db.flush()
        db.add(SessionDay(session_id=session.id, day_index=1, date=session.starts_on))
        facilitator = create_user(
            db, email=f"bench-facilitator-{stamp}@example.com", display_name="Fran Facilitator",
            password="bench-password-123", roles={Role.FACILITATOR},
        )  # fmt: skip
        db.add(SessionFacilitator(session_id=session.id, user_id=facilitator.id))
        for number, name in enumerate(_names()):
            learner = create_user(
                db, email=f"bench-{stamp}-{number}@example.com", display_name=name,
                password="bench-password-123", roles={Role.LEARNER},
            )  # fmt: skip
            db.add(
                Enrollment(
                    session_id=session.id, user_id=learner.id, status="confirmed",
                    source="coordinator", confirmed_at=utcnow(),
                )
            )  # fmt: skip
        db.commit()
        return load_session_facts(db, session.id), session.id


class RssSampler:
    """The process's resident memory before and at its peak during a block (Linux /proc)."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.before = self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def current() -> int:
        try:
            pages = int(Path("/proc/self/statm").read_text().split()[1])
            return pages * resource.getpagesize()
        except OSError:  # not Linux: the lifetime peak is the best there is
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self.current())

    def __enter__(self) -> RssSampler:
        self.before = self.peak = self.current()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.current())


def _pages(pdf: bytes) -> int:
    from pypdf import PdfReader  # a dev dependency; `make bench` installs the dev set

    return len(PdfReader(io.BytesIO(pdf)).pages)


def run() -> list[str]:
    """Time the batch path against single workbooks; returns the lines to print."""
    from app.db import get_session_factory
    from app.documents.pdf import engine
    from app.documents.session_docs import guide, packs, roster_docs, workbook

    facts, session_id = _session_facts()
    engine.render_pdf("<p>warm-up: fonts and stylesheets load once per process</p>")

    alone_times = []
    for name in facts.participants[:ALONE_SAMPLES]:
        started = time.perf_counter()
        single = workbook.workbook_pdf(facts, name)
        alone_times.append(time.perf_counter() - started)
    alone = statistics.median(alone_times)

    gc.collect()
    with RssSampler() as rss:  # the first batch in this process, so growth shows
        workbook.workbooks_pdf(facts)
    batch_times = []
    for _ in range(BATCH_SAMPLES):
        gc.collect()
        started = time.perf_counter()
        batch = workbook.workbooks_pdf(facts)
        batch_times.append(time.perf_counter() - started)
    batch_seconds = statistics.median(batch_times)
    ratio = PARTICIPANTS * alone / batch_seconds

    gc.collect()
    tracemalloc.start()
    workbook.workbooks_pdf(facts)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    with get_session_factory()() as db:
        plan = packs.plan_document(db, session_id, packs.SESSION_PACK)
    started = time.perf_counter()
    pack = packs.build(plan)
    pack_seconds = time.perf_counter() - started

    counts = {
        "workbook": _pages(single),
        "guide": _pages(guide.guide_pdf(facts)),
        "sign_in": _pages(roster_docs.sign_in_pdf(facts)),
        "name_tents": _pages(roster_docs.name_tents_pdf(facts)),
    }
    return [
        f"session_pack_30: ratio={ratio:.1f} (30 x one personalised workbook alone "
        f"{alone:.2f} s = {PARTICIPANTS * alone:.1f} s / the 30 workbooks of the batch path "
        f"{batch_seconds:.2f} s, {_pages(batch)} pages, {len(batch) / 1e6:.1f} MB; medians of "
        f"{ALONE_SAMPLES} and {BATCH_SAMPLES} runs)",
        f"session_pack_30 memory: peak={peak / 2**20:.0f} MiB Python heap in the batch path "
        f"(tracemalloc); resident memory {rss.before / 2**20:.0f} MiB before, peak "
        f"{rss.peak / 2**20:.0f} MiB during the batch (+{(rss.peak - rss.before) / 2**20:.0f} MiB)",
        f"session_pack_30 full pack: {pack_seconds:.1f} s for guide, sign-in sheet, "
        f"{PARTICIPANTS} name tents and {PARTICIPANTS} workbooks ({_pages(pack)} pages)",
        "session_pack_30 pages (Relationship Management, one-day, "
        f"{engine.paper().name}): workbook={counts['workbook']} guide={counts['guide']} "
        f"sign_in={counts['sign_in']} (30 participants) name_tents={counts['name_tents']}",
    ]


def _current_version_id(db: Session, course_id: int) -> int:
    """The course's current version, which a session scheduled now is pinned to."""
    from sqlalchemy import select

    from app.content.models import CourseVersion

    query = select(CourseVersion.id).where(
        CourseVersion.course_id == course_id, CourseVersion.is_current.is_(True)
    )
    return db.scalars(query).one()
