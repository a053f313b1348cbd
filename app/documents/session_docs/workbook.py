"""Participant workbooks: a personal cover, then contents and every module's lesson.

Only the cover is personal. The batch path lays out the shared body (contents and
modules) once and each cover on its own, then joins the pages: 30 workbooks cost one
body render and 30 one-page cover renders instead of 30 full renders.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup
from weasyprint import Document

from app.content.render import render_module
from app.documents.pdf import engine
from app.documents.session_docs.facts import SessionFacts, document_context

Progress = Callable[[], None]


@dataclass(frozen=True)
class ModuleView:
    """A module as a workbook page shows it: its lesson rendered for print."""

    slug: str
    title: str
    minutes: int
    objectives: tuple[str, ...]
    html: Markup


def module_views(facts: SessionFacts) -> list[ModuleView]:
    """The workbook's modules with lesson text, exercises and ruled writing space."""
    return [
        ModuleView(
            slug=module.slug,
            title=module.title,
            minutes=module.minutes,
            objectives=module.objectives,
            # render_module returns sanitised HTML (nh3), so it is safe to mark as such.
            html=Markup(render_module(module.body, "workbook", asset_url=facts.asset_url)),
        )
        for module in facts.workbook_modules()
    ]


def _context(facts: SessionFacts, title: str) -> dict[str, object]:
    return document_context(facts, f"{title} · {facts.course_title}")


def body_html(facts: SessionFacts, modules: Sequence[ModuleView] | None = None) -> str:
    """The shared part: contents and modules, numbered from page 1."""
    context = _context(facts, "Participant workbook")
    context["modules"] = module_views(facts) if modules is None else modules
    return engine.render_template("workbook_body.html", context)


def cover_html(facts: SessionFacts, name: str) -> str:
    """The personal part: one cover page with the participant's name and the session."""
    context = _context(facts, f"Workbook of {name}")
    context["name"] = name
    return engine.render_template("workbook_cover.html", context)


def workbook_html(facts: SessionFacts, name: str) -> str:
    """Cover and body in one document (the single-workbook path)."""
    context = _context(facts, f"Workbook of {name}")
    context.update(name=name, modules=module_views(facts))
    return engine.render_template("workbook.html", context)


def workbook_pdf(facts: SessionFacts, name: str) -> bytes:
    """One personalised workbook, laid out on its own in one render."""
    return engine.render_pdf(workbook_html(facts, name), assets=facts.assets)


def covers_html(facts: SessionFacts, names: Sequence[str]) -> str:
    """Many personal covers in one document, one page each."""
    context = _context(facts, "Workbook covers")
    context["names"] = list(names)
    return engine.render_template("workbook_covers.html", context)


def cover_documents(facts: SessionFacts, names: Sequence[str]) -> list[Document]:
    """One single-page document per name, from one render of all the covers.

    A name long enough to push its cover onto a second page would shift every later
    cover, so then each cover is laid out on its own instead.
    """
    if not names:
        return []
    batch = engine.render_document(covers_html(facts, names))
    if len(batch.pages) == len(names):
        return engine.split_pages(batch, 1)
    return [engine.render_document(cover_html(facts, name)) for name in names]


def workbook_parts(
    facts: SessionFacts, names: Sequence[str] | None = None, *, on_part: Progress | None = None
) -> list[Document]:
    """Every participant's workbook as documents to join: cover, body, cover, body, ...

    The body is laid out once and its pages reused after every cover (and painted once
    by :func:`engine.write_pdf`); the covers are laid out together in one pass.
    ``on_part`` is called after the body and after the covers.
    """
    chosen = list(facts.participants if names is None else names)
    body = engine.render_document(body_html(facts), assets=facts.assets)
    if on_part:
        on_part()
    covers = cover_documents(facts, chosen)
    if on_part:
        on_part()
    parts: list[Document] = []
    for cover in covers:
        parts += [cover, body]
    return parts


WORKBOOK_STEPS = 2  # renders in workbook_parts: the shared body, then all covers


def workbooks_pdf(facts: SessionFacts, names: Sequence[str] | None = None) -> bytes:
    """All participants' workbooks in one PDF (the batch path)."""
    return engine.write_pdf(workbook_parts(facts, names))
