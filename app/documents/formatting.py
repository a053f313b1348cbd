"""How dates, times and shared page facts are written on printed documents."""

from __future__ import annotations

from datetime import date, time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.documents.session_docs.facts import SessionFacts


def long_date(value: date) -> str:
    """Friday 4 December 2026."""
    return f"{value:%A} {value.day} {value:%B %Y}"


def short_date(value: date) -> str:
    """Fri 4 Dec 2026."""
    return f"{value:%a} {value.day} {value:%b %Y}"


def date_span(days: tuple[date, ...] | list[date]) -> str:
    """One day in full; consecutive days as a range; otherwise each day listed."""
    if not days:
        return ""
    if len(days) == 1:
        return long_date(days[0])
    first, last = days[0], days[-1]
    if (first.year, first.month) == (last.year, last.month):
        return f"{first:%A} {first.day} – {last:%A} {last.day} {last:%B %Y}"
    return f"{short_date(first)} – {short_date(last)}"


def clock(value: time) -> str:
    """09:05 (24-hour clock, unambiguous on paper)."""
    return f"{value:%H:%M}"


def time_range(start: time, end: time) -> str:
    """09:00–17:00."""
    return f"{clock(start)}–{clock(end)}"


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
        "dates_text": date_span(facts.days),
        "times_text": f"{time_range(facts.start_time, facts.end_time)} ({facts.timezone})",
        "place_text": place(facts),
        "facilitators_text": ", ".join(facts.facilitators) or "To be confirmed",
    }
