"""In a real browser: every page a role reaches fits a 390 px phone without sideways scrolling.

Each role signs in (at desktop size, so the sign-in never depends on how the menu
collapses), then the viewport shrinks to 390x844 and every page it reaches is measured:
the pages listed for it and every page those link to (one of each kind), so a page
added tomorrow behind a link is measured tomorrow. Neither the document nor the body
may be wider than the viewport; wide tables must stack or scroll inside their own box,
and the menus stay within three lines. The data is built to be awkward on purpose: long
names and e-mail addresses, a roster with every kind of row, a three-day attendance
sheet and a month with the last-Friday tracks.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import organisations
from app.accounts import service as accounts
from app.accounts.models import Role, User
from app.accounts.service import find_user_by_email
from app.content.catalogue import current_version
from app.db import utcnow
from app.documents.certificates import service as certificates
from app.enrollment import inhouse
from app.enrollment.models import Enrollment
from app.enrollment.seats import take_seat
from app.learning import service as learning
from app.payments import orders, promos
from app.scheduling.models import CourseSession, SessionFacilitator
from tests.e2e.learning_fixtures import (
    PASSWORD,
    learning_db,  # noqa: F401  (fixture used by name)
)
from tests.enrollment import helpers as h
from tests.factories import make_organisation, make_user
from tests.scheduling.factories import make_series, make_session, make_venue

pytestmark = [pytest.mark.e2e]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# A month of its own, far from the months the other browser tests fill.
MONTH = date(2031, 1, 1)


@dataclass(frozen=True)
class Cast:
    """The accounts of each role and the ids of the pages they visit."""

    emails: dict[str, str]
    session_id: int  # a last-Friday track with a full roster
    long_session_id: int  # a three-day session (attendance over three days)
    series_id: int
    organisation_id: int
    learner_order_id: int
    group_date: date  # a last Friday with several tracks (the group-booking page)
    certificate_token: str  # the learner's certificate (its public verification page)


def _person(db: Session, tag: str, name: str, local: str, roles: set[Role]) -> str:
    email = f"{local}.{tag}@northwind-engineering-consultancy.example.com"
    make_user(db, email=email, name=name, password=PASSWORD, roles=roles)
    return email


def _user(db: Session, email: str) -> User:
    user = find_user_by_email(db, email)
    assert user is not None
    return user


def _enrol(db: Session, session: CourseSession, email: str, status: str) -> Enrollment:
    """An enrolment row in a given state (no service: the layout needs every state)."""
    now = utcnow()
    row = Enrollment(session_id=session.id, user_id=_user(db, email).id, status=status)
    if status == "held":
        row.hold_expires_at = now + timedelta(days=2)
    elif status == "offered":
        row.offer_expires_at = now + timedelta(days=2)
    elif status == "waitlisted":
        row.waitlisted_at = now
    elif status == "cancelled":
        row.cancelled_at = now
    db.add(row)
    db.flush()
    return row


@pytest.fixture(scope="module")
def cast(learning_db: Callable[[], Session]) -> Cast:  # noqa: F811
    """Accounts for every role and the data that makes their pages long and wide."""
    tag = uuid.uuid4().hex[:6]
    with learning_db() as db:
        venue = make_venue(
            db,
            name=f"Northwind Training Centre, Auditorium B {tag}",
            address="Unit 14, Riverside Innovation Park, 1200 Commonwealth Avenue, Springfield",
        )
        series = make_series(
            db,
            title=f"APEX Last Friday for technical professionals {tag}",
            starts_on=MONTH,
            horizon_months=3,
            venue=venue,
        )
        tracks = list(
            db.scalars(
                select(CourseSession)
                .where(CourseSession.series_id == series.id)
                .order_by(CourseSession.starts_on, CourseSession.track_position)
            )
        )
        first = tracks[0]
        long_session = make_session(
            db, days=3, starts_on=date(2031, 1, 13), price_cents=189000, venue=venue
        )

        e = {
            "learner": _person(db, tag, "Zoë Ødegård-Llewellyn", "zoe.odegard", {Role.LEARNER}),
            "coordinator": _person(
                db, tag, "Cora Coordinator", "cora.coordinator", {Role.COORDINATOR}
            ),
            "facilitator": _person(
                db, tag, "Femi Facilitator", "femi.facilitator", {Role.FACILITATOR}
            ),
            "admin": _person(db, tag, "Ada Administrator", "ada.admin", {Role.ADMIN}),
            "org coordinator": _person(
                db, tag, "Oskar Organisation", "oskar.organisation", {Role.LEARNER}
            ),
        }
        others = [
            _person(db, tag, f"Łukasz Żółć-Wiśniewski {n}", f"lukasz.zolc{n}", {Role.LEARNER})
            for n in range(4)
        ]

        org = make_organisation(db, name=f"Northwind Engineering Consultancy {tag}")
        learner = _user(db, e["learner"])
        h.seat_pack(db, org, seats=30, valid_until=date(2031, 12, 31))
        organisations.add_member(db, org, email=e["learner"])
        organisations.add_member(db, org, email=e["org coordinator"], coordinator=True)
        organisations.add_member(db, org, email=others[0])

        # The learner: a confirmed, invoiced seat (a move form), a held seat with an open
        # order, a waitlist place and a cancelled booking (the "past" table).
        take_seat(db, first, learner)
        held = _enrol(db, tracks[4], e["learner"], "held")
        learner_order = orders.create_order(db, learner, [held])
        _enrol(db, tracks[7], e["learner"], "waitlisted")
        _enrol(db, tracks[2], e["learner"], "cancelled")
        # The roster of the first track: every kind of row.
        take_seat(db, first, _user(db, others[0]))
        _enrol(db, first, others[1], "held")
        _enrol(db, first, others[2], "offered")
        _enrol(db, first, others[3], "waitlisted")
        _enrol(db, first, e["org coordinator"], "cancelled")
        # Three days of attendance to mark.
        take_seat(db, long_session, learner)
        take_seat(db, long_session, _user(db, others[0]))
        facilitator = _user(db, e["facilitator"])
        for session in (first, long_session):
            db.add(SessionFacilitator(session_id=session.id, user_id=facilitator.id))

        certificate, _ = certificates.issue_or_find(
            db,
            user=learner,
            course_version=current_version(db, "relationship-management"),
            session=long_session,
            first_date=long_session.starts_on,
            last_date=long_session.ends_on,
            facilitator_names=["Femi Facilitator"],
        )
        for who in ("learner", "admin"):
            accounts.issue_api_token(db, _user(db, e[who]), name="Quarterly reporting script")
        learning.grant_access(db, "status-communication", e["learner"], _user(db, e["admin"]))
        learning.start_or_resume(db, learner, "status-communication")
        inhouse.create_request(
            db,
            learner,
            course_slug="relationship-management",
            format_id="three-day",
            participants=14,
            preferred_dates="Any Tuesday to Thursday in March or April 2031, not Easter week",
            message="We are a team of fourteen site-reliability engineers spread over three "
            "offices; could the workshop run at our Springfield office?",
            organisation_id=org.id,
        )
        promos.create_promo_code(
            db,
            code=f"SPRINGFIELD-ENGINEERS-{tag}".upper(),
            percent_off=15,
            amount_off_cents=None,
            valid_from=date(2030, 1, 1),
            valid_until=date(2031, 12, 31),
            course_slug="relationship-management",
        )
        db.commit()
        return Cast(
            emails=e,
            session_id=first.id,
            long_session_id=long_session.id,
            series_id=series.id,
            organisation_id=org.id,
            learner_order_id=learner_order.id,
            group_date=first.starts_on,
            certificate_token=certificate.token,
        )


def pages_by_role(cast: Cast) -> dict[str, list[str]]:
    """The pages each role must reach: its menu, and the pages behind ids in the cast.

    The crawl in ``measure_role`` adds every other page linked from these, so this list
    only has to name what a link would not find first (a given order, a long session).
    """
    month = f"{MONTH:%Y-%m}"
    org = cast.organisation_id
    course = "/courses/relationship-management"
    verify = f"/verify/{cast.certificate_token}"
    group = f"/series/{cast.series_id}/{cast.group_date.isoformat()}/group"
    shared = ["/", "/courses", course, "/schedule", f"/sessions/{cast.session_id}", "/account"]
    learner = [
        "/learning",
        "/learn/status-communication",
        "/learn/status-communication/1",
        "/bookings",
        "/orders",
        f"/orders/{cast.learner_order_id}",
        f"/orders/{cast.learner_order_id}/checkout",
        "/certificates",
        verify,
        group,
        "/programmes",
        "/in-house-request",
        "/calendar-feed",
    ]
    return {
        "anonymous": [
            "/",
            "/courses",
            course,
            "/schedule",
            f"/sessions/{cast.session_id}",
            group,
            "/programmes",
            verify,
            "/login",
            "/signup",
            "/password-reset",
        ],
        "learner": shared + learner,
        "org coordinator": [
            "/bookings",
            f"/orgs/{org}",
            f"/orgs/{org}/seat-packs",
            f"/coordinator/sessions/{cast.session_id}",
        ],
        "coordinator": [
            f"/coordinator/calendar?month={month}",
            f"/coordinator/sessions/{cast.session_id}",
            f"/coordinator/sessions/{cast.session_id}/edit",
            "/coordinator/sessions/new",
            "/coordinator/series",
            f"/coordinator/series/{cast.series_id}",
            "/coordinator/series/new",
            "/coordinator/venues",
            "/coordinator/seat-packs",
            "/coordinator/orders",
            f"/coordinator/orders/{cast.learner_order_id}",
            "/coordinator/promo-codes",
            "/coordinator/refund-policies",
            "/coordinator/requests",
            "/coordinator/certificates",
            f"/coordinator/certificates?session_id={cast.long_session_id}",
            "/learning/grants",
        ],
        "facilitator": [
            "/facilitator/sessions",
            f"/facilitator/sessions/{cast.session_id}",
            f"/facilitator/sessions/{cast.long_session_id}",
            f"/sessions/{cast.session_id}/documents",
        ],
        "admin": [
            "/admin/users",
            "/admin/content",
            "/admin/organisations",
            f"/orgs/{org}",
            f"/coordinator/calendar?month={month}",
            "/account",
        ],
    }


# Links the crawl does not open as pages: files, feeds, the API and other origins.
NOT_PAGES = re.compile(r"^/(static|assets|files|api)/|\.(pdf|ics|zip|svg|png|csv)$")
# At most this many pages found by links, per role, on top of its listed pages.
CRAWL_LIMIT = 60
LINKS = """() => [...document.querySelectorAll('a[href]')]
    .filter((a) => !a.hasAttribute('download'))
    .map((a) => a.getAttribute('href'))"""
WIDTHS = """() => [document.documentElement.scrollWidth, document.body.scrollWidth]"""


def page_kind(path: str) -> str:
    """One key per page template: ids become {id}, a query keeps only its names.

    /sessions/3 and /sessions/4 are the same page, so the crawl opens one of them;
    a listed path is measured whatever its key.
    """
    route, _, query = path.partition("?")
    route = re.sub(r"/\d+(?=/|$)", "/{id}", route)
    names = sorted({part.partition("=")[0] for part in query.split("&") if part})
    return route + ("?" + "&".join(names) if names else "")


def same_site_page(href: str | None) -> str | None:
    """A link's path when it is a page of this site, else None."""
    if not href or not href.startswith("/") or href.startswith("//"):
        return None
    path = href.partition("#")[0]
    if not path or NOT_PAGES.search(path.partition("?")[0]):
        return None
    return path


@dataclass
class Measured:
    """One page as a role saw it at 390 px."""

    role: str
    path: str
    status: int | None
    document_width: int
    body_width: int
    found_on: str | None  # the page that linked to it; None for a listed page

    @property
    def too_wide(self) -> bool:
        return max(self.document_width, self.body_width) > PHONE["width"]


def measure_role(page: Page, role: str, listed: list[str], shots: Path) -> list[Measured]:
    """Open the role's listed pages, then the pages they link to, and measure each one.

    Both the root and the body are measured: a page can scroll sideways through either.
    A too-wide page leaves a full-page screenshot in ``shots`` for whoever fixes it.
    """
    queue: list[tuple[str, str | None]] = [(path, None) for path in dict.fromkeys(listed)]
    seen_kinds = {page_kind(path) for path in listed}
    crawled = 0
    results: list[Measured] = []
    while queue:
        path, found_on = queue.pop(0)
        try:
            response = page.goto(path)
        except PlaywrightError as exc:
            if "Download is starting" in str(exc):  # a file behind a plain link
                continue
            raise
        document_width, body_width = page.evaluate(WIDTHS)
        status = response.status if response else None
        result = Measured(role, path, status, document_width, body_width, found_on)
        results.append(result)
        if result.too_wide:
            name = re.sub(r"[^A-Za-z0-9]+", "-", f"{role}{path}").strip("-")
            page.screenshot(path=shots / f"{name}.png", full_page=True)
        for href in page.evaluate(LINKS):
            found = same_site_page(href)
            if found is None or page_kind(found) in seen_kinds or crawled >= CRAWL_LIMIT:
                continue
            seen_kinds.add(page_kind(found))
            queue.append((found, path))
            crawled += 1
    return results


def _phone_page(browser: Browser, live_server: str, cast: Cast, role: str) -> Page:
    """A page signed in as ``role`` (at desktop size), then turned into a 390x844 phone."""
    context = browser.new_context(base_url=live_server, viewport=DESKTOP)
    context.set_default_timeout(15_000)
    page = context.new_page()
    if role != "anonymous":
        _sign_in(page, cast.emails[role])
    page.set_viewport_size(PHONE)
    return page


def _sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile(r"/login"))


def test_every_page_fits_a_390px_phone(
    browser: Browser, live_server: str, cast: Cast, tmp_path: Path
) -> None:
    """No page any role reaches scrolls sideways at 390 px, through the root or the body."""
    measured: list[Measured] = []
    for role, listed in pages_by_role(cast).items():
        page = _phone_page(browser, live_server, cast, role)
        try:
            measured += measure_role(page, role, listed, tmp_path)
        finally:
            page.context.close()
    for m in measured:
        origin = f"(linked from {m.found_on})" if m.found_on else "(listed)"
        print(f"{m.role:16} {m.document_width:4}/{m.body_width:4}px {m.status} {m.path} {origin}")
    counts = {role: sum(m.role == role for m in measured) for role in pages_by_role(cast)}
    print("pages measured:", counts, "total", len(measured))

    # A listed page must open; a linked one may rightly refuse (a course without access),
    # but even its refusal has to fit the phone.
    broken = [
        f"{m.role}: {m.path} answered {m.status}"
        for m in measured
        if m.found_on is None and m.status != 200
    ]
    too_wide = [
        f"{m.role}: {m.path} is {m.document_width}px (body {m.body_width}px) wide"
        for m in measured
        if m.too_wide
    ]
    assert not broken, "pages that did not open:\n" + "\n".join(broken)
    assert not too_wide, (
        f"pages wider than {PHONE['width']}px (screenshots in {tmp_path}):\n" + "\n".join(too_wide)
    )
    for role, count in counts.items():
        assert count > len(set(pages_by_role(cast)[role])), f"{role}: the crawl found no links"


def test_calendar_shows_the_last_friday_on_a_phone(
    browser: Browser, live_server: str, cast: Cast
) -> None:
    """The month's last-Friday tracks are on screen at 390 px, not scrolled off to the side."""
    page = _phone_page(browser, live_server, cast, "coordinator")
    try:
        page.goto(f"/coordinator/calendar?month={MONTH:%Y-%m}")
        edit = page.locator(f'a[href="/coordinator/sessions/{cast.session_id}"]').first
        edit.scroll_into_view_if_needed()
        box = edit.bounding_box()
        assert box is not None, "the last-Friday session is not shown"
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        # Scrolled into view by the window alone: no box of its own scrolled sideways.
        assert page.evaluate("window.scrollX") == 0
        assert page.locator(".month-scroll").evaluate("(box) => box.scrollLeft") == 0
    finally:
        page.context.close()


MENUS = "header nav ul, nav.schedule-subnav ul"


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("admin", "/admin/users"),
        ("coordinator", "/coordinator/calendar"),
        ("facilitator", "/facilitator/sessions"),
        ("org coordinator", "/bookings"),
        ("learner", "/bookings"),
        ("anonymous", "/"),
    ],
)
def test_menus_stay_compact_and_every_item_is_reachable_on_a_phone(
    browser: Browser, live_server: str, cast: Cast, role: str, path: str
) -> None:
    """At 390 px each menu takes at most three lines, and each of its links can be tapped."""
    page = _phone_page(browser, live_server, cast, role)
    try:
        page.goto(path)
        menus = page.locator(MENUS)
        assert menus.count() >= 1
        for index in range(menus.count()):
            menu = menus.nth(index)
            tops = menu.evaluate(
                """(ul) => [...ul.children]
                    .filter((li) => li.getClientRects().length)
                    .map((li) => Math.round(li.getBoundingClientRect().top))"""
            )
            rows = sorted(set(tops))
            assert tops, f"menu {index} shows no items at 390 px"
            assert len(rows) <= 3, f"menu {index} wraps over {len(rows)} lines: {rows}"
            items = menu.locator(":scope > li > a, :scope > li button")
            for n in range(items.count()):
                item = items.nth(n)
                item.scroll_into_view_if_needed()
                box = item.bounding_box()
                assert box is not None
                label = item.inner_text()
                assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (label, box)
        assert page.evaluate(WIDTHS)[0] <= PHONE["width"]
    finally:
        page.context.close()


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("anonymous", "/schedule"),
        ("learner", "/bookings"),
        ("coordinator", "/coordinator/calendar?month={month}"),
        ("coordinator", "/coordinator/sessions/{session}"),
        ("facilitator", "/facilitator/sessions/{long_session}"),
        ("admin", "/admin/users"),
    ],
)
def test_stacked_pages_pass_axe_on_a_phone(
    browser: Browser, live_server: str, cast: Cast, role: str, path: str
) -> None:
    """The phone layouts (cards, the day list, menu strips) keep axe-core content."""
    page = _phone_page(browser, live_server, cast, role)
    try:
        page.goto(
            path.format(
                month=f"{MONTH:%Y-%m}", session=cast.session_id, long_session=cast.long_session_id
            )
        )
        violations = Axe().run(page).response["violations"]
        blocking = [(v["id"], v["impact"], len(v["nodes"])) for v in violations]
        blocking = [v for v in blocking if v[1] in {"serious", "critical"}]
        assert blocking == [], blocking
    finally:
        page.context.close()


def test_header_navigation_stays_compact_on_a_desktop(
    browser: Browser, live_server: str, cast: Cast
) -> None:
    """At 1280 px the admin's long menu (every role's items) takes at most two lines."""
    context = browser.new_context(base_url=live_server, viewport=DESKTOP)
    page = context.new_page()
    try:
        _sign_in(page, cast.emails["admin"])
        page.goto("/admin/users")
        tops = page.evaluate(
            """() => [...document.querySelectorAll('header nav li')]
                .filter((li) => li.getClientRects().length)
                .map((li) => Math.round(li.getBoundingClientRect().top))"""
        )
        rows = sorted(set(tops))
        assert tops, "the main navigation shows no items at 1280 px"
        assert len(rows) <= 2, f"the navigation wraps over {len(rows)} lines: {rows}"
    finally:
        context.close()
