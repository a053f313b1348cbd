"""Pages for signing up, in and out, the account page, password reset, and ``/api/v1/me``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import Receive, Scope, Send

from app.accounts import devices, passwords, service, throttle
from app.accounts import signup as signups
from app.accounts.forms import LoginForm, NewPasswordForm, SignupForm
from app.accounts.models import User
from app.accounts.permissions import SignedIn
from app.accounts.sessions import Ctx, sign_in, sign_out
from app.errors import LoginRequired, TooManyRequests
from app.pages import Refusal, page_router, run_change
from app.web import redirect, render, safe_next

pages = page_router()

T = TypeVar("T")

FormStr = Annotated[str, Form()]


@pages.get("/signup", response_class=HTMLResponse)
def signup_form(request: Request, ctx: Ctx) -> Response:
    """The sign-up form."""
    if ctx.user:
        return redirect("/")
    return render(request, "accounts/signup.html", {"form": {}})


@pages.post("/signup", response_class=HTMLResponse)
def signup(request: Request, ctx: Ctx, form: Annotated[SignupForm, Form()]) -> Response:
    """Sign up; the answer is the same whether or not the address has an account."""
    sent_to = _change_or_form_again(
        ctx,
        lambda: signups.sign_up(
            ctx.db,
            email=form.email,
            display_name=form.display_name,
            password=form.password,
            confirm=form.confirm,
        ),
        request,
        "accounts/signup.html",
        lambda: {"form": form.model_dump(include={"email", "display_name"})},
    )
    if isinstance(sent_to, Response):
        return sent_to
    context = {"form": {}, "sent_to": sent_to, "hours": signups.SIGNUP_LINK_HOURS}
    return render(request, "accounts/signup.html", context)


@pages.get("/signup/confirm/{token}", response_class=HTMLResponse)
def signup_confirm_form(request: Request, ctx: Ctx, token: str) -> Response:
    """The page a sign-up link opens: one button confirms (a GET changes nothing)."""
    signups.check_signup_link(ctx.db, token)
    return render(request, "accounts/signup_confirm.html", {"token": token})


@pages.post("/signup/confirm/{token}", response_class=HTMLResponse)
def signup_confirm(request: Request, ctx: Ctx, token: str, password: FormStr = "") -> Response:
    """Confirm the new account (its link and its password) and sign it in."""
    user = _change_or_form_again(
        ctx,
        lambda: signups.confirm_signup(ctx.db, token, password=password),
        request,
        "accounts/signup_confirm.html",
        lambda: {"token": token},
    )
    if isinstance(user, Response):
        return user
    sign_in(ctx, user)
    devices.remember_device(request, user)
    ctx.flash(f"Welcome, {user.display_name}. Your account is ready.", "success")
    return redirect("/")


@pages.get("/login", response_class=HTMLResponse)
def login_form(request: Request, ctx: Ctx, next: str = "/") -> Response:
    """The sign-in form."""
    if ctx.user:
        return redirect(safe_next(next))
    return render(request, "accounts/login.html", {"email": "", "next": safe_next(next)})


@pages.post("/login", response_class=HTMLResponse)
def login(request: Request, ctx: Ctx, form: Annotated[LoginForm, Form()]) -> Response:
    """Check the credentials (throttled) and start a fresh session."""
    address = request.client.host if request.client else None
    next = safe_next(form.next)
    try:
        user = service.authenticate(
            ctx.db,
            email=form.email,
            password=form.password,
            address=address,
            device_cookie=request.cookies.get(devices.cookie_name()),
        )
    except (LoginRequired, TooManyRequests) as exc:
        response = render(
            request,
            "accounts/login.html",
            {"email": form.email, "next": next, "error": exc.message},
            status_code=exc.status,
        )
        response.headers.update(exc.headers)
        if isinstance(exc, service.WrongCredentials) and exc.delay > 0:
            return AnsweredLate(response, exc.delay)
        return response
    sign_in(ctx, user)
    devices.remember_device(request, user)
    ctx.flash(f"Signed in as {user.display_name}.", "success")
    return redirect(next)


class AnsweredLate(Response):
    """Sends ``inner`` after a pause (the throttle's answer to a failed sign-in).

    FastAPI commits the request's transaction when the endpoint returns, before the
    response is sent, so the pause holds no row lock, no connection and no thread: a
    guesser is slowed down without slowing anyone else down.
    """

    def __init__(self, inner: Response, seconds: float) -> None:
        self.inner = inner
        self.seconds = seconds
        self.status_code = inner.status_code
        self.background = inner.background
        self.body = inner.body
        self.raw_headers = inner.raw_headers  # shared: headers added later reach inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await throttle.answer_late(self.seconds)
        self.inner.background = self.background
        await self.inner(scope, receive, send)


@pages.post("/logout")
def logout(ctx: Ctx) -> RedirectResponse:
    """End the session on the server."""
    sign_out(ctx)
    ctx.flash("You are signed out.", "info")
    return redirect("/")


@pages.get("/account", response_class=HTMLResponse)
def account(request: Request, ctx: Ctx, user: SignedIn) -> Response:
    """The account page: name, password, API tokens."""
    tokens = service.list_api_tokens(ctx.db, user)
    return render(request, "accounts/account.html", {"tokens": tokens})


def _change_or_form_again(
    ctx: Ctx,
    action: Callable[[], T],
    request: Request,
    template: str,
    context: Callable[[], dict[str, Any]],
) -> T | Response:
    """Run the change (``run_change``); a refusal shows the form again with the error.

    The page answers with the refusal's status (422 for a mistake); ``NotFound`` (a
    spent link) propagates to the error page.
    """
    outcome = run_change(ctx.db, action)
    if isinstance(outcome, Refusal):
        page = {**context(), "error": outcome.message}
        return render(request, template, page, status_code=outcome.error.status)
    return outcome


def _account_change(
    request: Request, ctx: Ctx, user: User, action: Callable[[], None]
) -> Response | None:
    """Run a change to the account: None when done, else the account page with the refusal."""
    outcome = _change_or_form_again(
        ctx,
        action,
        request,
        "accounts/account.html",
        lambda: {"tokens": service.list_api_tokens(ctx.db, user)},
    )
    return outcome if isinstance(outcome, Response) else None


@pages.post("/account/profile")
def update_profile(
    request: Request, ctx: Ctx, user: SignedIn, display_name: FormStr = ""
) -> Response:
    """Change the display name."""
    refused = _account_change(
        request, ctx, user, lambda: service.update_profile(ctx.db, user, display_name=display_name)
    )
    if refused is not None:
        return refused
    ctx.flash("Your name is updated.", "success")
    return redirect("/account")


@pages.post("/account/password")
def change_password(
    request: Request, ctx: Ctx, user: SignedIn, form: Annotated[NewPasswordForm, Form()]
) -> Response:
    """Change the password (the current one is asked again)."""
    refused = _account_change(
        request,
        ctx,
        user,
        lambda: passwords.change_password(
            ctx.db,
            user,
            current=form.current,
            new=form.new,
            confirm=form.confirm,
            keep=ctx.web_session,
        ),
    )
    if refused is not None:
        return refused
    devices.remember_device(request, user)  # the old cookie was signed over the old password
    ctx.flash("Your password is changed. You are signed out everywhere else.", "success")
    return redirect("/account")


@pages.post("/account/tokens", response_class=HTMLResponse)
def create_token(request: Request, ctx: Ctx, user: SignedIn, name: FormStr = "") -> Response:
    """Create a personal API token and show it once."""
    secret = service.issue_api_token(ctx.db, user, name=name or "default")
    tokens = service.list_api_tokens(ctx.db, user)
    return render(request, "accounts/account.html", {"tokens": tokens, "new_token": secret})


@pages.post("/account/tokens/{token_id:id}/revoke")
def revoke_token(ctx: Ctx, user: SignedIn, token_id: int) -> RedirectResponse:
    """Revoke one of your API tokens."""
    service.revoke_api_token(ctx.db, user, token_id)
    ctx.flash("The token is revoked.", "success")
    return redirect("/account")


@pages.get("/password-reset", response_class=HTMLResponse)
def reset_request_form(request: Request, ctx: Ctx) -> Response:
    """Ask for a password reset link."""
    return render(request, "accounts/reset_request.html")


@pages.post("/password-reset", response_class=HTMLResponse)
def reset_request(request: Request, ctx: Ctx, email: FormStr = "") -> Response:
    """E-mail a reset link (the answer is the same whether or not the account exists)."""
    passwords.request_password_reset(ctx.db, email)
    return render(request, "accounts/reset_request.html", {"sent_to": email.strip()})


@pages.get("/password-reset/{token}", response_class=HTMLResponse)
def reset_form(request: Request, ctx: Ctx, token: str) -> Response:
    """Choose a new password from a reset link."""
    passwords.check_reset_token(ctx.db, token)
    return render(request, "accounts/reset_form.html", {"token": token})


@pages.post("/password-reset/{token}", response_class=HTMLResponse)
def reset(
    request: Request, ctx: Ctx, token: str, form: Annotated[NewPasswordForm, Form()]
) -> Response:
    """Set the new password; the link is spent and every session of the account ends."""
    user = _change_or_form_again(
        ctx,
        lambda: passwords.reset_password(ctx.db, token, new=form.new, confirm=form.confirm),
        request,
        "accounts/reset_form.html",
        lambda: {"token": token},
    )
    if isinstance(user, Response):
        return user
    # The link proved this browser's owner: its sign-in is not held back by a stranger's
    # failures at the same address.
    devices.remember_device(request, user)
    ctx.flash("Your password is changed. Sign in with the new one.", "success")
    return redirect("/login")


ROUTERS = (pages,)
