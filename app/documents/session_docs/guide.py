"""The facilitator guide: the session's timed agenda, every module's notes, a materials list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from markupsafe import Markup
from sqlalchemy.orm import Session

from app.content.agenda import plan_days
from app.content.render import render_module
from app.documents.pdf import engine
from app.documents.session_docs.facts import SessionFacts, document_context, load_session_facts
from app.errors import AppError
from app.formatting import clock


@dataclass(frozen=True)
class Slot:
    """One agenda line with its clock times on its day."""

    day: int
    start: time
    end: time
    minutes: int
    title: str
    kind: str  # module | activity | break | open (spare time the layout gave the day)
    module_slug: str | None

    @property
    def label(self) -> str:
        """09:15–10:15."""
        return f"{clock(self.start)}–{clock(self.end)}"


@dataclass(frozen=True)
class AgendaDay:
    """A teaching day's agenda laid out in the session's hours of that day."""

    index: int
    date: date | None
    start: time
    end: time
    slots: tuple[Slot, ...]
    problems: tuple[str, ...] = ()  # why the day does not fit its hours, if it does not

    @property
    def minutes(self) -> int:
        """Total minutes of the day, breaks included."""
        return sum(slot.minutes for slot in self.slots)


@dataclass(frozen=True)
class GuideModule:
    """A module as the guide shows it: when it runs, objectives, notes for the facilitator."""

    position: int
    slug: str
    title: str
    minutes: int
    objectives: tuple[str, ...]
    slots: tuple[Slot, ...]
    html: Markup


@dataclass(frozen=True)
class Material:
    """One line of the materials checklist."""

    item: str
    count: str
    note: str = ""


def agenda_days(facts: SessionFacts) -> list[AgendaDay]:
    """The format's agenda with clock times, day by day, in the session's start and end.

    Breaks and spare time are placed by :mod:`app.content.agenda`. Wall-clock arithmetic
    in the session's own time zone: a teaching day never spans a daylight-saving change in
    practice, and the printed times are local anyway.
    """
    days = []
    for plan in plan_days(facts.agenda, facts.windows()):
        on = facts.days[plan.day - 1] if plan.day <= len(facts.days) else None
        slots = tuple(
            Slot(
                plan.day,
                slot.start,
                slot.end,
                slot.entry.minutes,
                slot.entry.title,
                slot.entry.kind,
                slot.entry.module,
            )
            for slot in plan.slots
        )
        problems = tuple(problem.message for problem in plan.problems)
        days.append(AgendaDay(plan.day, on, plan.start, plan.end, slots, problems))
    return days


def fit_problems(days: list[AgendaDay]) -> list[str]:
    """Why the session's hours cannot hold its agenda, as sentences (empty when they can)."""
    return [f"{problem[0].upper()}{problem[1:]}." for day in days for problem in day.problems]


def fit_warnings(db: Session, session_id: int) -> list[str]:
    """What the documents page warns about before anything is printed: the agenda against
    the session's hours, or why no guide can be made at all."""
    try:
        facts = load_session_facts(db, session_id)
    except AppError as error:
        return [error.message]
    return fit_problems(agenda_days(facts))


def guide_modules(facts: SessionFacts, days: list[AgendaDay]) -> list[GuideModule]:
    """Each taught module with its agenda slots and its guide text (facilitator notes kept)."""
    slots = [slot for day in days for slot in day.slots]
    return [
        GuideModule(
            position=number,
            slug=module.slug,
            title=module.title,
            minutes=module.minutes,
            objectives=module.objectives,
            slots=tuple(slot for slot in slots if slot.module_slug == module.slug),
            # Sanitised by render_module (nh3), so safe to mark as such.
            html=Markup(render_module(module.body, "guide", asset_url=facts.asset_url)),
        )
        for number, module in enumerate(facts.workbook_modules(), start=1)
    ]


def materials(facts: SessionFacts) -> list[Material]:
    """What to bring: printed documents counted from the roster, and room supplies."""
    people = len(facts.participants)
    day_count = len(facts.days)
    items = [
        Material(
            "Participant workbooks (personalised)", str(people), "one per confirmed participant"
        ),
        Material("Name tents", str(people), "plus a few blank ones for late arrivals"),
        Material("Sign-in sheets", str(day_count), "one per day"),
        Material("Facilitator guide", str(max(1, len(facts.facilitators))), "one per facilitator"),
    ]
    if facts.certificates:
        items.append(
            Material("Certificates", str(len(facts.certificates)), "for those who completed")
        )
    items += [
        Material("Pens", str(people), "one per participant"),
        Material("Flipchart with a full pad", "1"),
        Material("Flipchart markers", "1 set", "at least four colours"),
        Material("Sticky notes", str(max(1, (people + 4) // 5)), "one pad per table"),
        Material("Projector or screen, with adapters", "1"),
        Material("Timer or clock visible to the room", "1"),
    ]
    if facts.online_url:
        items.append(Material("Meeting link tested beforehand", "", facts.online_url))
    return items


def guide_html(facts: SessionFacts) -> str:
    """The facilitator guide of a session as HTML."""
    days = agenda_days(facts)
    context = document_context(facts, f"Facilitator guide · {facts.course_title}")
    context.update(
        days=days,
        modules=guide_modules(facts, days),
        materials=materials(facts),
        fit_problems=fit_problems(days),
    )
    return engine.render_template("guide.html", context)


def guide_pdf(facts: SessionFacts) -> bytes:
    """The facilitator guide as a PDF."""
    return engine.render_pdf(guide_html(facts), assets=facts.assets)
