"""The account pages' forms, as typed text (``PageForm``): sign-up, sign-in, passwords."""

from __future__ import annotations

from app.pages import PageForm


class SignupForm(PageForm):
    """A new account: the address, the name for certificates, the password twice."""

    email: str = ""
    display_name: str = ""
    password: str = ""
    confirm: str = ""


class LoginForm(PageForm):
    """A sign-in, and where to go after it."""

    email: str = ""
    password: str = ""
    next: str = "/"


class NewPasswordForm(PageForm):
    """A new password twice (a reset link), and the current one when signed in."""

    current: str = ""
    new: str = ""
    confirm: str = ""
