"""create_app(): wiring only — routers, middleware and error handlers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app import jobs, site, wiring
from app.accounts import routes as account_routes
from app.accounts.sessions import SessionCookieMiddleware
from app.base_url import BaseUrlMiddleware
from app.config import PROJECT_ROOT, get_settings, resolve_secret_key
from app.content import routes as content_routes
from app.documents import routes as document_routes
from app.documents.certificates import routes as certificate_routes
from app.documents.files.download_links import CertificateLinkMiddleware
from app.documents.invoices import routes as invoice_routes
from app.enrollment import routes as enrollment_routes
from app.errors import install_error_handlers
from app.input_guard import NulByteGuardMiddleware
from app.learning import routes as learning_routes
from app.payments import routes as payment_routes
from app.scheduling import routes as scheduling_routes
from app.web import (
    BodySizeLimitMiddleware,
    InFlightLimitMiddleware,
    SecurityHeadersMiddleware,
)


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """Start the ticker and the document workers with the app; stop them on shutdown."""
    ticker = jobs.start_ticker()
    document_workers = jobs.start_document_workers()
    yield
    document_workers.stop()
    if ticker is not None:
        ticker.stop()


def create_app() -> FastAPI:
    """Build the ASGI application."""
    settings = get_settings()
    resolve_secret_key(settings)  # refuse to start in production without a secret key
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    wiring.wire()
    app = FastAPI(
        lifespan=lifespan,
        title="APEX",
        version="0.1.0",
        docs_url=None,  # Swagger UI loads scripts from a CDN, which our CSP forbids
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.add_middleware(SessionCookieMiddleware)
    # Links made while a request runs (mail, feeds, certificates) use its address.
    app.add_middleware(BaseUrlMiddleware)
    # Signed certificate links are answered before sessions and routing: a repeated
    # download is then a signature check and a file read.
    app.add_middleware(CertificateLinkMiddleware)
    # Inside the size limit, so the bodies it reads for NUL characters are bounded.
    app.add_middleware(NulByteGuardMiddleware)
    # The largest thing anyone uploads is a pack archive; allow room for the form around it.
    app.add_middleware(
        BodySizeLimitMiddleware, max_bytes=settings.max_pack_upload_bytes + 1024 * 1024
    )
    app.add_middleware(InFlightLimitMiddleware, limit=settings.max_requests_in_flight)
    # Outermost of ours, so refusals made by the middleware above carry the headers too.
    app.add_middleware(SecurityHeadersMiddleware)
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=PROJECT_ROOT / "static"), name="static")
    # Each feature module names its routers (ROUTERS). Where two routers could match one
    # path the first wins, so this order is kept as it is.
    for feature in (
        site,
        account_routes,
        content_routes,
        learning_routes,
        scheduling_routes,
        enrollment_routes,
        document_routes,
        certificate_routes,
        invoice_routes,
        payment_routes,
    ):
        for router in feature.ROUTERS:
            app.include_router(router)
    return app
