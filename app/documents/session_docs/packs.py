"""What each document job makes, in which order, and the inputs that name its file.

A session print pack is the facilitator guide, the sign-in sheet, name tents, a
personalised workbook for every confirmed participant and, once issued, the session's
certificates, written as one PDF.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session
from weasyprint import Document

from app.documents.files import storage
from app.documents.models import Certificate
from app.documents.pdf import engine
from app.documents.session_docs.facts import SessionFacts, load_session_facts
from app.documents.session_docs.guide import guide_html
from app.documents.session_docs.roster_docs import name_tents_html, sign_in_html
from app.documents.session_docs.workbook import body_html, cover_documents
from app.errors import Invalid

SESSION_PACK = "session_pack"
WORKBOOKS = "workbooks"
GUIDE = "guide"
CERTIFICATES = "certificates"
KINDS = {
    SESSION_PACK: "Print pack",
    WORKBOOKS: "Workbooks",
    GUIDE: "Facilitator guide",
    CERTIFICATES: "Certificates",
}

StepProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class Step:
    """One part of a document: a label for progress, and how to lay it out."""

    label: str
    render: Callable[[], list[Document]]


@dataclass(frozen=True)
class Plan:
    """A document to make: its kind, the facts, the hash naming its file, and its steps."""

    kind: str
    facts: SessionFacts
    digest: str
    steps: tuple[Step, ...]

    @property
    def total(self) -> int:
        """Progress units: each step, then writing the PDF."""
        return len(self.steps) + 1


def check_kind(kind: str) -> str:
    """The kind if known, else ``Invalid`` naming the ones that are."""
    if kind not in KINDS:
        raise Invalid(f"Unknown document {kind!r}; choose one of: {', '.join(KINDS)}.")
    return kind


def certificate_documents(certificates: Sequence[Certificate]) -> list[Document]:
    """The certificates as laid-out pages, to join the pack's PDF."""
    # Imported here: only documents that include certificates need the certificate code.
    from app.documents.certificates import render as certificate_render

    return [certificate_render.certificate_document(certificates)]


def _certificate_keys(certificates: Sequence[Certificate]) -> list[str]:
    from app.documents.certificates import render as certificate_render

    # Their hash covers what each certificate shows, its revocation and its design.
    return [certificate_render.inputs_hash(c) for c in certificates]


def _inputs(kind: str, facts: SessionFacts) -> dict[str, Any]:
    inputs: dict[str, Any] = {"kind": kind, **facts.inputs()}
    if kind in (SESSION_PACK, CERTIFICATES):
        inputs["certificates"] = _certificate_keys(facts.certificates)
    return inputs


def _workbook_steps(facts: SessionFacts) -> list[Step]:
    body: list[Document] = []

    def render_body() -> list[Document]:
        body.append(engine.render_document(body_html(facts), assets=facts.assets))
        return []

    def render_covers() -> list[Document]:
        # Cover, body, cover, body...: the body's pages are painted once by write_pdf.
        return [
            doc for cover in cover_documents(facts, facts.participants) for doc in (cover, body[0])
        ]

    return [
        Step("Workbook contents and modules", render_body),
        Step("Workbook covers", render_covers),
    ]


def _one(html: Callable[[SessionFacts], str], facts: SessionFacts) -> Callable[[], list[Document]]:
    return lambda: [engine.render_document(html(facts), assets=facts.assets)]


def _steps(kind: str, facts: SessionFacts) -> list[Step]:
    steps: list[Step] = []
    if kind in (SESSION_PACK, GUIDE):
        steps.append(Step("Facilitator guide", _one(guide_html, facts)))
    if kind == SESSION_PACK:
        steps.append(Step("Sign-in sheet", _one(sign_in_html, facts)))
        if facts.participants:
            steps.append(Step("Name tents", _one(name_tents_html, facts)))
    if kind in (SESSION_PACK, WORKBOOKS) and facts.participants:
        steps += _workbook_steps(facts)
    if kind in (SESSION_PACK, CERTIFICATES) and facts.certificates:
        steps.append(Step("Certificates", lambda: certificate_documents(facts.certificates)))
    return steps


def check_makeable(kind: str, facts: SessionFacts) -> None:
    """Refuse, with the reason, a document that would be empty."""
    if kind == WORKBOOKS and not facts.participants:
        raise Invalid(
            "There are no confirmed participants yet, so there are no workbooks to print."
        )
    if kind == CERTIFICATES and not facts.certificates:
        raise Invalid(
            "No certificates have been issued for this session yet: they are issued once "
            "attendance is marked."
        )


def plan_document(db: Session, session_id: int, kind: str) -> Plan:
    """Read the session and decide what the document contains and what names its file."""
    check_kind(kind)
    facts = load_session_facts(db, session_id)
    check_makeable(kind, facts)
    digest = storage.inputs_hash(_inputs(kind, facts))
    return Plan(kind, facts, digest, tuple(_steps(kind, facts)))


def build(plan: Plan, on_progress: StepProgress | None = None) -> bytes:
    """Lay out every step and write one PDF; ``on_progress(done, total)`` after each."""
    if plan.kind == CERTIFICATES:
        from app.documents.certificates import render as certificate_render

        # The certificates alone go through the batch path, which also stores each
        # person's own file, so their downloads are then served without rendering.
        pdf = certificate_render.render_and_store(plan.facts.certificates)
        if on_progress:
            on_progress(plan.total, plan.total)
        return pdf
    documents: list[Document] = []
    for done, step in enumerate(plan.steps, start=1):
        documents += step.render()
        if on_progress:
            on_progress(done, plan.total)
    pdf = engine.write_pdf(documents)
    if on_progress:
        on_progress(plan.total, plan.total)
    return pdf


def ensure_document(plan: Plan, on_progress: StepProgress | None = None) -> tuple[Path, bool]:
    """The stored file for the plan, rendered and stored first if missing; True if rendered."""
    stored = storage.lookup(plan.digest)
    if stored is not None:
        if on_progress:
            on_progress(plan.total, plan.total)
        return stored, False
    return storage.store(plan.digest, build(plan, on_progress)), True
