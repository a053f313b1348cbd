"""Documents made from the roster: the sign-in sheet (per day) and folded name tents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.documents.pdf import engine
from app.documents.session_docs.facts import SessionFacts, document_context

WALK_IN_ROWS = 3  # empty rows for people who turn up without being on the roster


@dataclass(frozen=True)
class Tent:
    """One name tent: the name and the type size that fits it across the sheet."""

    name: str
    size: str  # l | m | s


def tent_size(name: str) -> str:
    """Large type for short names, smaller for long ones, so a name stays on two lines."""
    length = len(name)
    if length <= 14:
        return "l"
    if length <= 24:
        return "m"
    return "s"


def sign_in_html(facts: SessionFacts) -> str:
    """The sign-in sheet: one section per day with every confirmed participant."""
    context = document_context(facts, f"Sign-in sheet · {facts.course_title}")
    context.update(days=list(facts.days), walk_in_rows=WALK_IN_ROWS)
    return engine.render_template("sign_in.html", context)


def name_tents_html(facts: SessionFacts, names: Sequence[str] | None = None) -> str:
    """Name tents, one sheet per participant (default: the confirmed participants)."""
    chosen = facts.participants if names is None else names
    context = document_context(facts, f"Name tents · {facts.course_title}")
    context["tents"] = [Tent(name, tent_size(name)) for name in chosen]
    return engine.render_template("name_tents.html", context)


def sign_in_pdf(facts: SessionFacts) -> bytes:
    """The sign-in sheet as a PDF."""
    return engine.render_pdf(sign_in_html(facts))


def name_tents_pdf(facts: SessionFacts, names: Sequence[str] | None = None) -> bytes:
    """The name tents as a PDF."""
    return engine.render_pdf(name_tents_html(facts, names))
