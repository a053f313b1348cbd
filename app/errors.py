"""Domain errors carrying an HTTP status, and the one handler that renders them.

Pages get an HTML error page; ``/api/`` paths get RFC 9457 problem details. No stack
trace ever reaches a user: unexpected exceptions are logged and answered with a plain 500.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class AppError(Exception):
    """An error a person can act on; ``status`` is the HTTP status to answer with."""

    status: int = 400
    title: str = "Bad request"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class NotFound(AppError):
    status = 404
    title = "Not found"


class Forbidden(AppError):
    status = 403
    title = "Forbidden"


class LoginRequired(AppError):
    status = 401
    title = "Sign in required"


class Conflict(AppError):
    status = 409
    title = "Conflict"


class Invalid(AppError):
    status = 422
    title = "Invalid input"


class TooManyRequests(AppError):
    status = 429
    title = "Too many requests"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, retry_after))})
        self.retry_after = max(1, retry_after)


def is_api_request(request: Request) -> bool:
    """True for the JSON API, whose errors are problem details rather than pages."""
    return request.url.path.startswith("/api/")


def problem_response(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    """An RFC 9457 problem details response."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    body.update(extra or {})
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _error_page(request: Request, status: int, title: str, message: str) -> Response:
    # Imported here because web imports errors for its own AppError use.
    from app.web import render

    response = render(
        request,
        "errors/error.html",
        {"status": status, "title": title, "message": message},
        status_code=status,
    )
    return response


def _respond(
    request: Request, status: int, title: str, message: str, headers: dict[str, str] | None
) -> Response:
    if is_api_request(request):
        return problem_response(status, message, title=title, headers=headers)
    response = _error_page(request, status, title, message)
    response.headers.update(headers or {})
    return response


async def _app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    if isinstance(exc, LoginRequired) and not is_api_request(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={_quote(target)}", status_code=303)
    return _respond(request, exc.status, exc.title, exc.message, exc.headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    messages = {
        404: "There is nothing at this address. Check the link, or start again from the home page.",
        405: "This address does not accept that kind of request.",
    }
    message = messages.get(status) or str(exc.detail)
    return _respond(request, status, HTTPStatus(status).phrase, message, exc.headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"location": ".".join(str(p) for p in err.get("loc", ())), "message": err.get("msg")}
        for err in exc.errors()
    ]
    if is_api_request(request):
        return problem_response(
            422,
            "The request body or parameters are not valid; see 'errors'.",
            title="Invalid input",
            extra={"errors": errors},
        )
    detail = "; ".join(f"{e['location']}: {e['message']}" for e in errors)
    return _respond(request, 400, "Bad request", f"The form could not be read ({detail}).", None)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _respond(
        request,
        500,
        "Something went wrong",
        "The server hit an unexpected problem. It has been logged; please try again.",
        None,
    )


def _quote(value: str) -> str:
    return quote(value, safe="/?=&")


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every failure into a page or a problem document."""
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)
