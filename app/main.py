"""create_app(): wiring only — routers, middleware and error handlers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app import jobs, site
from app.accounts import admin_routes
from app.accounts import routes as account_routes
from app.accounts.sessions import SessionCookieMiddleware
from app.base_url import BaseUrlMiddleware
from app.config import PROJECT_ROOT, get_settings, resolve_secret_key
from app.content import admin_routes as content_admin_routes
from app.content import routes as content_routes
from app.documents import certificate_routes, invoice_routes
from app.documents import routes as document_routes
from app.documents.download_links import CertificateLinkMiddleware
from app.documents.models import CertificateStatus, JobStatus
from app.enrollment import hooks as enrollment_hooks
from app.enrollment import public_routes as enrollment_public_routes
from app.enrollment import queries as enrollment_queries
from app.enrollment import routes as enrollment_routes
from app.enrollment.models import EnrollmentStatus, InHouseRequestStatus
from app.errors import install_error_handlers
from app.input_guard import NulByteGuardMiddleware
from app.learning import routes as learning_routes
from app.payments import admin_routes as payment_admin_routes
from app.payments import checkout as payment_checkout
from app.payments import refunds as payment_refunds
from app.payments import routes as payment_routes
from app.payments import views as payment_views
from app.payments.models import OrderStatus
from app.scheduling import feed_routes as scheduling_feed_routes
from app.scheduling import hooks as scheduling_hooks
from app.scheduling import routes as scheduling_routes
from app.scheduling.models import SessionStatus
from app.web import (
    BodySizeLimitMiddleware,
    InFlightLimitMiddleware,
    SecurityHeadersMiddleware,
    templates,
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
    # Scheduling asks enrolment which sessions are in use without importing it.
    scheduling_hooks.register_sessions_in_use(enrollment_queries.sessions_in_use)
    scheduling_hooks.register_seat_counts(enrollment_queries.seats_taken)
    # The course page lists upcoming sessions; the catalogue does not import enrolment.
    upcoming = enrollment_public_routes.upcoming_sessions_section
    if upcoming not in content_routes.COURSE_PAGE_SECTIONS:
        content_routes.COURSE_PAGE_SECTIONS.append(upcoming)
    # My learning lists certificates; learning does not import documents.
    certificates_section = certificate_routes.my_learning_section
    if certificates_section not in learning_routes.MY_LEARNING_SECTIONS:
        learning_routes.MY_LEARNING_SECTIONS.append(certificates_section)
    # Enrolment tells payments about cancelled seats and invoice bookings without importing it.
    enrollment_hooks.register_seats_released(payment_refunds.on_seats_released)
    enrollment_hooks.register_invoice_booking(payment_checkout.on_invoice_booking)
    enrollment_hooks.register_order_links(payment_views.roster_order_links)
    # Pages branch on a status by its enum (``SessionStatus.CANCELLED``), not by a string
    # that a renamed value would silently stop matching; app.web cannot import features.
    statuses = (
        CertificateStatus,
        EnrollmentStatus,
        InHouseRequestStatus,
        JobStatus,
        OrderStatus,
        SessionStatus,
    )
    templates.env.globals.update({status.__name__: status for status in statuses})
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
    app.include_router(site.router)
    app.include_router(account_routes.pages)
    app.include_router(account_routes.api)
    app.include_router(admin_routes.router)
    for feature in (
        content_routes,
        content_admin_routes,
        learning_routes,
        scheduling_routes,
        scheduling_feed_routes,
        enrollment_routes,
        enrollment_public_routes,
        document_routes,
        certificate_routes,
        invoice_routes,
    ):
        for router in feature.ROUTERS:
            app.include_router(router)
    app.include_router(payment_routes.router)
    app.include_router(payment_routes.webhook_router)
    app.include_router(payment_admin_routes.router)
    return app
