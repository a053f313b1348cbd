"""create_app(): wiring only — routers, middleware and error handlers."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app import site
from app.accounts import admin_routes
from app.accounts import routes as account_routes
from app.accounts.sessions import SessionCookieMiddleware
from app.content import admin_routes as content_admin_routes
from app.content import routes as content_routes
from app.config import PROJECT_ROOT, get_settings, resolve_secret_key
from app.errors import install_error_handlers
from app.learning import routes as learning_routes
from app.web import SecurityHeadersMiddleware


def create_app() -> FastAPI:
    """Build the ASGI application."""
    settings = get_settings()
    resolve_secret_key(settings)  # refuse to start in production without a secret key
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = FastAPI(
        title="APEX",
        version="0.1.0",
        docs_url=None,  # Swagger UI loads scripts from a CDN, which our CSP forbids
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.add_middleware(SessionCookieMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=PROJECT_ROOT / "static"), name="static")
    app.include_router(site.router)
    app.include_router(account_routes.pages)
    app.include_router(account_routes.api)
    app.include_router(admin_routes.router)
    for feature in (content_routes, content_admin_routes, learning_routes):
        app.include_router(feature.router)
        app.include_router(feature.api)
    return app
