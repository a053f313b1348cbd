"""Payments' machine endpoints: the Stripe webhook (no CSRF: Stripe signs its requests)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from app.db import DbSession
from app.errors import AppError
from app.payments import webhooks

log = logging.getLogger(__name__)

webhook_router = APIRouter()


@webhook_router.post("/payments/stripe/webhook")
async def stripe_webhook(request: Request, db: DbSession) -> Response:
    """Stripe events: verified, stored once by id, acted on by re-reading Stripe."""
    payload = await request.body()
    signature = request.headers.get("stripe-signature")
    try:
        # The work is blocking (database, Stripe API): keep it off the event loop.
        outcome = await run_in_threadpool(webhooks.handle, db, payload, signature)
    except (webhooks.BadWebhook, webhooks.UnknownOrder) as exc:
        await run_in_threadpool(db.rollback)
        log.info("stripe webhook refused (%s): %s", exc.status, exc.message)
        return JSONResponse({"error": exc.message}, status_code=exc.status)
    except AppError as exc:  # Stripe unreachable while re-reading: let Stripe retry
        await run_in_threadpool(db.rollback)
        log.warning("stripe webhook failed: %s", exc.message)
        return JSONResponse({"error": exc.message}, status_code=503)
    await run_in_threadpool(db.commit)
    return JSONResponse(
        {"event": outcome.event_id, "result": outcome.result, "order": outcome.order_reference}
    )


ROUTERS = (webhook_router,)
