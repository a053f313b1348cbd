"""In a real browser: sign up, log out, log in, and a wrong password's clear error."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.learning_fixtures import finish_sign_up

pytestmark = pytest.mark.e2e


def test_sign_up_log_out_log_in_and_wrong_password(page: Page) -> None:
    email = f"e2e-{uuid.uuid4().hex[:8]}@example.com"
    page.goto("/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Your name").fill("Zoë Ødegård")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=False).first.fill("a long browser passphrase")
    page.get_by_label("Repeat the password").fill("a long browser passphrase")
    page.get_by_role("button", name="Create account").click()
    finish_sign_up(page, email, "a long browser passphrase")
    expect(page.get_by_text("Welcome, Zoë Ødegård. Your account is ready.")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Log in")).to_be_visible()

    nav.get_by_role("link", name="Log in").click()
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill("not my password")
    page.get_by_role("button", name="Log in").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("That e-mail address and password do not match an account.")
    expect(page.get_by_label("E-mail address")).to_have_value(email)

    page.get_by_label("Password").fill("a long browser passphrase")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("status")).to_contain_text("Signed in as Zoë Ødegård.")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
