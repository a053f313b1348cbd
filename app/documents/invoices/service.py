"""Invoice PDFs for orders paid by invoice: who may download one, what it shows, its file.

Each line shows its list price, its share of the discount and its amount; the subtotal,
discount and total below are the sums of those columns, so they agree to the cent.
Refunds are documented by credit notes (``credit_notes``), listed here by number.

Everything the invoice shows is taken as text from ``payments.views.order_view`` (money
is never computed here) and hashed: the hash names the stored file, so an unchanged
invoice is served from ``var/documents/`` without rendering, and any change to what it
shows (paid, refunded, a corrected name, the seller's details) makes a new file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.accounts import organisations
from app.accounts.models import User
from app.config import get_settings
from app.documents.files import storage
from app.documents.pdf import engine
from app.errors import NotFound
from app.formatting import long_date
from app.payments import orders, views
from app.payments.models import Order, OrderStatus

NO_SUCH_ORDER = "There is no such order."


@dataclass(frozen=True)
class PdfDocument:
    """An invoice or a credit note ready to serve: what it shows, the hash naming its file,
    its download name (INV-2026-000123.pdf, CN-2026-000001.pdf) and how it is rendered."""

    context: dict[str, Any]
    digest: str
    filename: str
    render: Callable[[dict[str, Any]], bytes]

    def file(self) -> Path:
        """The stored PDF, rendered and stored the first time it is asked for."""
        stored = storage.lookup(self.digest)
        if stored is not None:
            return stored
        return storage.store(self.digest, self.render(self.context))


def _invoice_only(order: Order) -> Order:
    if not order.invoice_number:
        raise NotFound(
            f"Order {order.reference} was not paid by invoice, so it has no invoice PDF; "
            "its order page shows what was paid."
        )
    return order


def invoice_for_user(db: Session, user: User, order_id: int) -> Order:
    """An invoice order the person bought or whose organisation they coordinate.

    Anyone else's order, like one that does not exist, is ``NotFound``; so is an order
    that was not paid by invoice (with a message saying so).
    """
    order = db.get(Order, order_id)
    if order is None:
        raise NotFound(NO_SUCH_ORDER)
    if order.user_id != user.id:
        if order.organisation_id is None:
            raise NotFound(NO_SUCH_ORDER)
        try:
            organisations.get_managed_organisation(db, order.organisation_id, user)
        except NotFound:
            raise NotFound(NO_SUCH_ORDER) from None
    return _invoice_only(order)


def invoice_for_staff(db: Session, order_id: int) -> Order:
    """Any invoice order (staff coordinators); ``NotFound`` for others."""
    order = db.get(Order, order_id)
    if order is None:
        raise NotFound(NO_SUCH_ORDER)
    return _invoice_only(order)


@dataclass(frozen=True)
class Seller:
    """Who issues the invoice (from the APEX_INVOICE_SELLER_* settings)."""

    name: str
    address: list[str]
    tax_id: str


def _text_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _seller() -> Seller:
    settings = get_settings()
    return Seller(
        settings.invoice_seller_name.strip(),
        _text_lines(settings.invoice_seller_address),
        settings.invoice_seller_tax_id.strip(),
    )


def document_parties(view: views.OrderView) -> dict[str, Any]:
    """Seller and buyer as an invoice and its credit notes show them.

    Billed to the order's organisation (with its address) when it has one, else to the
    person who bought (name and e-mail).
    """
    return {
        "seller": asdict(_seller()),
        "organisation": view.organisation,
        "organisation_address": view.organisation_address,
        "buyer": view.buyer,
        "buyer_email": view.buyer_email,
    }


def _payment_state(order: Order) -> tuple[str, str]:
    """('paid' | 'due' | 'cancelled', the words shown)."""
    if order.status == OrderStatus.CANCELLED:
        return "cancelled", "Cancelled"
    if order.status in orders.SETTLED:
        return "paid", f"Paid on {long_date(order.paid_at.date())}" if order.paid_at else "Paid"
    due = f"Due by {long_date(order.invoice_due_on)}" if order.invoice_due_on else "Due"
    return "due", due


def invoice_context(db: Session, order: Order) -> dict[str, Any]:
    """What the invoice shows, as plain text (JSON-ready, so it can be hashed)."""
    view = views.order_view(db, order)
    issued: date = order.created_at.date()
    state, state_text = _payment_state(order)
    return {
        "title": f"Invoice {order.invoice_number}",
        # A fixed creation date from the order, so rendering twice gives the same bytes.
        "created": f"{issued.isoformat()}T00:00:00Z",
        **document_parties(view),
        "invoice_number": order.invoice_number,
        "reference": order.reference,
        "issued": long_date(issued),
        "due": long_date(order.invoice_due_on) if order.invoice_due_on else "",
        "lines": [
            {
                "description": line.description,
                "list_price": line.amount,
                "discount": line.discount or "",
                "amount": line.net_amount,
                "refunded": line.refunded,
            }
            for line in view.lines
        ],
        "subtotal": view.subtotal,
        "discount": view.discount,
        "promo_code": view.promo_code,
        "total": view.total,
        "currency": order.currency,
        "refunded": view.refunded,
        "refunds": [asdict(refund) for refund in view.refunds],
        "state": state,
        "state_text": state_text,
        "status_text": view.status_text,
        "payment_instructions": _text_lines(get_settings().invoice_payment_instructions),
    }


def prepare(db: Session, order: Order) -> PdfDocument:
    """The invoice of an order with the hash of what it shows (nothing rendered yet)."""
    context = invoice_context(db, order)
    digest = storage.inputs_hash({"document": "invoice", "order_id": order.id, **context})
    return PdfDocument(context, digest, f"{order.invoice_number}.pdf", render_invoice)


def render_invoice(context: dict[str, Any]) -> bytes:
    """Render an invoice's PDF from its context."""
    return engine.render_pdf(engine.render_template("invoice.html", context))
