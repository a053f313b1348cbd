"""Credit note PDFs: a refund on an invoiced order, as its own numbered document.

A credit note is not an edited invoice: it has its own number (CN-2026-000001, given by
``payments.numbering`` when the refund is recorded), its own date, and names the invoice
it reduces. The people who may download the invoice may download its credit notes. As
with invoices, the PDF is rendered once per distinct content and then served as stored.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.documents.files import storage
from app.documents.invoices.service import PdfDocument, document_parties
from app.documents.pdf import engine
from app.errors import NotFound
from app.formatting import long_date, money
from app.payments import views
from app.payments.models import Order, Refund

NO_SUCH_CREDIT_NOTE = "There is no such credit note."


def credit_note_of(db: Session, order: Order, refund_id: int) -> Refund:
    """The credit note ``refund_id`` of this (invoice) order; ``NotFound`` otherwise."""
    refund = db.scalar(
        select(Refund).where(
            Refund.id == refund_id,
            Refund.order_id == order.id,
            Refund.credit_note_number.is_not(None),
        )
    )
    if refund is None:
        raise NotFound(NO_SUCH_CREDIT_NOTE)
    return refund


def _settlement(order: Order, refund: Refund, amount: str) -> str:
    """What the credit note meant for the buyer when issued: less to pay, or money back.

    Decided by the payment's time, not today's order state, so the note reads the same
    after the invoice is paid later.
    """
    if order.paid_at is not None and order.paid_at <= refund.created_at:
        return f"Invoice {order.invoice_number} was paid: {amount} is paid back to you."
    return f"Deduct {amount} from what you pay on invoice {order.invoice_number}."


def credit_note_context(db: Session, order: Order, refund: Refund) -> dict[str, Any]:
    """What the credit note shows, as plain text (JSON-ready, so it can be hashed)."""
    view = views.order_view(db, order)
    issued = refund.created_at.date()
    amount = money(refund.amount_cents, order.currency)
    return {
        "title": f"Credit note {refund.credit_note_number}",
        "created": f"{issued.isoformat()}T00:00:00Z",
        **document_parties(view),
        "credit_note_number": refund.credit_note_number,
        "issued": long_date(issued),
        "invoice_number": order.invoice_number,
        "invoice_issued": long_date(order.created_at.date()),
        "invoice_total": view.total,
        "reference": order.reference,
        "reason": refund.reason,
        "amount": amount,
        "currency": order.currency,
        "settlement": _settlement(order, refund, amount),
    }


def prepare(db: Session, order: Order, refund: Refund) -> PdfDocument:
    """The credit note with the hash of what it shows (nothing rendered yet)."""
    context = credit_note_context(db, order, refund)
    digest = storage.inputs_hash({"document": "credit_note", "refund_id": refund.id, **context})
    filename = f"{refund.credit_note_number}.pdf"
    return PdfDocument(context, digest, filename, render_credit_note)


def render_credit_note(context: dict[str, Any]) -> bytes:
    """Render a credit note's PDF from its context."""
    return engine.render_pdf(engine.render_template("credit_note.html", context))
