"""Domain errors carrying an HTTP status, and the one handler that renders them.

Pages get an HTML error page; ``/api/`` paths get RFC 9457 problem details. No stack
trace ever reaches a user: unexpected exceptions are logged under a short reference
and answered with a styled 500 page that shows it.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from html import escape
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send

from app.http_headers import SECURITY_HEADERS

if TYPE_CHECKING:
    from app.accounts.sessions import Visitor

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class AppError(Exception):
    """An error a person can act on; ``status`` is the HTTP status to answer with.

    A subclass names its status and title in its header:
    ``class NotFound(AppError, status=404, title="Not found")``.
    """

    status: int = 400
    title: str = "Bad request"

    def __init_subclass__(
        cls, *, status: int | None = None, title: str | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status = status
        if title is not None:
            cls.title = title

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class NotFound(AppError, status=404, title="Not found"):
    """Nothing (that this person may see) is there."""


class Forbidden(AppError, status=403, title="Forbidden"):
    """The person is known but may not do this."""


class LoginRequired(AppError, status=401, title="Sign in required"):
    """Only a signed-in person may do this."""


class Conflict(AppError, status=409, title="Conflict"):
    """The change clashes with the current state (a full session, a spent offer)."""


class Invalid(AppError, status=422, title="Invalid input"):
    """What was sent is not valid; the message names the field."""


class TooManyRequests(AppError, status=429, title="Too many requests"):
    """A throttle refused the request; ``retry_after`` says in how many seconds to try."""

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
    headers: Mapping[str, str] | None = None,
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


class Gone(AppError, status=410, title="No longer available"):
    """It existed, but is no longer available."""


def _next_step(request: Request, status: int, visitor: Visitor) -> tuple[str, str]:
    """The one link that helps most after this refusal, by where the person was."""
    path = request.url.path
    signed_in = visitor.is_authenticated
    if path.startswith("/orgs") and visitor.organisations:
        return "Back to your organisation", f"/orgs/{visitor.organisations[0][0]}"
    if status in (401, 403) and not signed_in:
        return "Sign in", login_link(request)
    for prefix, step in NEXT_STEPS:
        if path.startswith(prefix) and (signed_in or not step[1].startswith(PRIVATE)):
            return step
    return ("Back to your learning", "/learning") if signed_in else ("Go to the home page", "/")


# (path prefix, (label, link)): the page a person most likely came from.
NEXT_STEPS: list[tuple[str, tuple[str, str]]] = [
    ("/bookings", ("Back to your bookings", "/bookings")),
    ("/orders", ("Back to your orders", "/orders")),
    ("/checkout", ("Back to your bookings", "/bookings")),
    ("/learn", ("Back to My learning", "/learning")),
    ("/certificates", ("Back to your certificates", "/certificates")),
    ("/coordinator", ("Back to the coordinator calendar", "/coordinator/calendar")),
    ("/facilitator", ("Back to your sessions", "/facilitator/sessions")),
    ("/admin", ("Back to the users list", "/admin/users")),
    ("/orgs", ("Back to your learning", "/learning")),
    ("/account", ("Back to your account", "/account")),
    ("/courses", ("Browse the courses", "/courses")),
    ("/sessions", ("See the schedule", "/schedule")),
    ("/schedule", ("See the schedule", "/schedule")),
    ("/verify", ("Go to the home page", "/")),
]
PRIVATE = (
    "/bookings",
    "/orders",
    "/learning",
    "/certificates",
    "/coordinator",
    "/facilitator",
    "/admin",
    "/account",
)


def _error_page(
    request: Request, status: int, title: str, message: str, ref: str | None
) -> Response:
    # Imported here because web and sessions import errors for their own AppError use.
    from app.accounts.sessions import ANONYMOUS, visitor_of_request
    from app.db import get_session_factory
    from app.web import render_error_page

    try:
        # The request's own session is closed (and rolled back) by now; a short
        # read-only one finds who is asking when no route got as far as reading it.
        with get_session_factory()() as db:
            visitor = visitor_of_request(db, request)
    except Exception:  # a broken database must not turn a 404 into a 500
        log.exception("could not read the visitor for an error page")
        visitor = ANONYMOUS
    label, href = _next_step(request, status, visitor)
    return render_error_page(
        request,
        visitor,
        {
            "status": status,
            "title": title,
            "message": message,
            "next_label": label,
            "next_href": href,
            "reference": ref,
        },
        status_code=status,
    )


def error_response(
    request: Request,
    status: int,
    title: str,
    message: str,
    headers: Mapping[str, str] | None = None,
    *,
    ref: str | None = None,
) -> Response:
    """The answer to a refused request: problem+json for the API, a styled page otherwise."""
    if is_api_request(request):
        extra = {"reference": ref} if ref else None
        response: Response = problem_response(
            status, message, title=title, headers=headers, extra=extra
        )
    else:
        try:
            response = _error_page(request, status, title, message, ref)
        except Exception:  # the page itself failed: still answer, never drop the connection
            log.exception("error page failed to render")
            response = HTMLResponse(
                _BARE_PAGE.format(status=status, message=escape(message)), status_code=status
            )
        response.headers.update(headers or {})
    return _with_security_headers(response)


def _with_security_headers(response: Response) -> Response:
    # Errors answered by the outermost handler skip the headers middleware; add them here.
    for name, value in SECURITY_HEADERS:
        response.headers.setdefault(name.decode(), value.decode())
    return response


async def send_error(
    scope: Scope, receive: Receive, send: Send, status: int, title: str, message: str
) -> None:
    """Answer an ASGI request straight from a middleware with :func:`error_response`."""
    response = error_response(Request(scope, receive), status, title, message)
    await response(scope, receive, send)


_BARE_PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Error {status} · APEX</title>"
    '<link rel="stylesheet" href="/static/app.css"><main class="wrap"><h1>Error {status}</h1>'
    '<p>{message}</p><p><a href="/">Go to the home page</a></p></main></html>'
)


async def _app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    if isinstance(exc, LoginRequired) and not is_api_request(request):
        return RedirectResponse(login_link(request), status_code=303)
    return error_response(request, exc.status, exc.title, exc.message, exc.headers)


HTTP_MESSAGES = {
    400: "The request could not be read. Go back and try again.",
    404: "There is nothing at this address. Check the link, or start again from the home page.",
    405: "This address does not accept that kind of request. Use the page's own links and buttons.",
    413: "The request is larger than this site accepts.",
}


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    message = HTTP_MESSAGES.get(status) or str(exc.detail)
    return error_response(request, status, HTTPStatus(status).phrase, message, exc.headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"location": ".".join(str(p) for p in err.get("loc", ())), "message": err.get("msg")}
        for err in exc.errors()
    ]
    if is_api_request(request):
        return error_response_with_errors(request, errors)
    detail = "; ".join(f"{e['location']}: {e['message']}" for e in errors)
    return error_response(
        request, 400, "Bad request", f"The form or address could not be read ({detail})."
    )


def error_response_with_errors(request: Request, errors: list[dict[str, Any]]) -> Response:
    """A 422 problem document listing each invalid field."""
    response = problem_response(
        422,
        "The request body or parameters are not valid; see 'errors'.",
        title="Invalid input",
        extra={"errors": errors},
    )
    return _with_security_headers(response)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    # A short reference the person can quote; the same one is in the log line.
    ref = secrets.token_hex(4)
    log.exception("unhandled error ref=%s on %s %s", ref, request.method, request.url.path)
    return error_response(
        request,
        500,
        "Something went wrong",
        f"The server hit an unexpected problem. It has been logged under reference {ref}; "
        "please try again, and quote the reference if you contact us.",
        ref=ref,
    )


def login_link(request: Request) -> str:
    """The sign-in page, sending the person back to this address afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/login?next={quote(target, safe='/?=&')}"


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every failure into a page or a problem document."""
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)
