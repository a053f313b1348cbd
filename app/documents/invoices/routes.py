"""Invoice and credit note PDF downloads: the buyer and their organisation's coordinators,
and staff (a credit note goes to whoever may download its invoice).

``router`` carries the CSRF check like every page router; there is no API part yet, so
``ROUTERS`` (what app/main.py includes) holds the page router only.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from app.accounts.permissions import Coordinator, SignedIn
from app.accounts.sessions import Ctx
from app.documents.files import serving
from app.documents.invoices import credit_notes
from app.documents.invoices import service as invoices
from app.pages import page_router

router = page_router()


def _pdf_response(request: Request, document: invoices.PdfDocument) -> Response:
    # As certificates: rendered once per distinct content, then served as stored.
    return serving.stored_pdf_response(
        request, digest=document.digest, filename=document.filename, stored_file=document.file
    )


@router.get("/orders/{order_id:id}/invoice.pdf")
def my_invoice(request: Request, ctx: Ctx, user: SignedIn, order_id: int) -> Response:
    """Download the invoice of my order, or of my organisation's order if I coordinate it."""
    order = invoices.invoice_for_user(ctx.db, user, order_id)
    return _pdf_response(request, invoices.prepare(ctx.db, order))


@router.get("/coordinator/orders/{order_id:id}/invoice.pdf")
def any_invoice(request: Request, ctx: Ctx, _: Coordinator, order_id: int) -> Response:
    """Coordinators: download the invoice of any order paid by invoice."""
    order = invoices.invoice_for_staff(ctx.db, order_id)
    return _pdf_response(request, invoices.prepare(ctx.db, order))


@router.get("/orders/{order_id:id}/credit-notes/{refund_id:id}.pdf")
def my_credit_note(
    request: Request, ctx: Ctx, user: SignedIn, order_id: int, refund_id: int
) -> Response:
    """Download a credit note of my invoice, or of my organisation's if I coordinate it."""
    order = invoices.invoice_for_user(ctx.db, user, order_id)
    refund = credit_notes.credit_note_of(ctx.db, order, refund_id)
    return _pdf_response(request, credit_notes.prepare(ctx.db, order, refund))


@router.get("/coordinator/orders/{order_id:id}/credit-notes/{refund_id:id}.pdf")
def any_credit_note(
    request: Request, ctx: Ctx, _: Coordinator, order_id: int, refund_id: int
) -> Response:
    """Coordinators: download a credit note of any invoice."""
    order = invoices.invoice_for_staff(ctx.db, order_id)
    refund = credit_notes.credit_note_of(ctx.db, order, refund_id)
    return _pdf_response(request, credit_notes.prepare(ctx.db, order, refund))


# What app/main.py includes, in this order.
ROUTERS = (router,)
