"""Page faults an HTML checker reports: time values, required selects, icon, description.

Each test reads the pages the way a checker does, from the served HTML: a ``<time
datetime>`` must be a valid date or global date-and-time string (seconds, an offset, no
microseconds); a required single ``<select>`` must start with an empty placeholder
option, or the browser's "please choose" check can never fire; every page names an icon
and a description.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.config import PROJECT_ROOT
from app.content.catalogue import current_version
from app.content.sync import sync_folder
from app.enrollment.seats import take_seat
from app.formatting import datetime_attr
from app.learning import service as learning
from tests.enrollment import helpers as h
from tests.factories import log_in, make_user

# A date, or a date and time to the second with Z or a ±hh:mm offset (HTML's "valid date
# string" and "valid global date and time string", without the fractions we never need).
VALID_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2}))?")


@dataclass
class Select:
    """A ``<select>`` as the checker sees it: its id, whether required, its first option."""

    id: str
    required: bool
    multiple: bool
    first_option_value: str | None = None
    options: int = 0


class PageFacts(HTMLParser):
    """What the checks need from one page, read by the standard library's HTML parser."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.datetimes: list[str] = []
        self.selects: list[Select] = []
        self.meta_description: str | None = None
        self.icons: list[dict[str, str | None]] = []
        self._open_select: Select | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "time" and "datetime" in values:
            self.datetimes.append(values["datetime"] or "")
        elif tag == "select":
            self._open_select = Select(
                id=values.get("id") or values.get("name") or "?",
                required="required" in values,
                multiple="multiple" in values,
            )
            self.selects.append(self._open_select)
        elif tag == "option" and self._open_select is not None:
            if self._open_select.options == 0:
                self._open_select.first_option_value = values.get("value")
            self._open_select.options += 1
        elif tag == "meta" and values.get("name") == "description":
            self.meta_description = values.get("content")
        elif tag == "link" and "icon" in (values.get("rel") or "").split():
            self.icons.append(values)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._open_select = None


def read_page(client: TestClient, path: str) -> PageFacts:
    """GET a page (it must answer 200) and read its facts."""
    response = client.get(path)
    assert response.status_code == 200, f"{path} answered {response.status_code}"
    facts = PageFacts()
    facts.feed(response.text)
    facts.close()
    return facts


def placeholder_faults(facts: PageFacts) -> list[str]:
    """Required single selects whose first option is not an empty placeholder."""
    return [
        f"select #{s.id}: first option value {s.first_option_value!r}"
        for s in facts.selects
        if s.required and not s.multiple and s.first_option_value != ""
    ]


@pytest.fixture
def courses(db: Session) -> None:
    """The real course packs, loaded (the content page lists their versions and checks)."""
    assert sync_folder(db, PROJECT_ROOT / "courses").ok


# --- <time datetime> -------------------------------------------------------------------


def test_datetime_attr_writes_seconds_and_an_offset() -> None:
    moment = datetime(2031, 1, 31, 9, 5, 7, 123456, tzinfo=UTC)
    assert datetime_attr(moment) == "2031-01-31T09:05:07+00:00"
    # A naive value is a stored UTC time whose zone the driver dropped (SQLite).
    assert datetime_attr(moment.replace(tzinfo=None)) == "2031-01-31T09:05:07+00:00"
    eastern = moment.astimezone(timezone(timedelta(hours=-5)))
    assert datetime_attr(eastern) == "2031-01-31T04:05:07-05:00"
    assert datetime_attr(date(2031, 1, 31)) == "2031-01-31"
    for value in (moment, eastern, date(2031, 1, 31)):
        assert VALID_DATETIME.fullmatch(datetime_attr(value))


def test_time_elements_on_the_content_and_grants_pages_are_valid(
    client: TestClient, db: Session, courses: None
) -> None:
    admin = make_user(db, roles={Role.ADMIN, Role.COORDINATOR})
    learner = make_user(db)
    learning.grant_access(db, "status-communication", learner.email, admin)
    log_in(client, admin.email)
    for path in ("/admin/content", "/learning/grants"):
        stamps = read_page(client, path).datetimes
        assert stamps, f"{path} shows no <time datetime> to check"
        bad = [s for s in stamps if not VALID_DATETIME.fullmatch(s)]
        assert not bad, f"{path}: invalid datetime attributes {bad}"


def test_every_time_element_in_the_templates_uses_the_one_filter() -> None:
    """One rule, one place: a template that writes .isoformat() by hand gets microseconds."""
    offenders = [
        f"{path.relative_to(PROJECT_ROOT)}: {match.group(0)}"
        for path in sorted((PROJECT_ROOT / "templates").rglob("*.html"))
        for match in re.finditer(r'datetime="([^"]*)"', path.read_text())
        if "|datetime_attr" not in match.group(1).replace(" ", "")
    ]
    assert not offenders, "\n".join(offenders)


# --- required selects ------------------------------------------------------------------


def test_every_required_select_in_the_templates_starts_with_an_empty_option() -> None:
    """Read from the templates, so a select behind data no test builds is checked too."""
    select_with_first_option = re.compile(
        r"<select\b(?P<attrs>[^>]*)>(?P<body>.*?)</select>", re.DOTALL | re.IGNORECASE
    )
    faults = []
    for path in sorted((PROJECT_ROOT / "templates").rglob("*.html")):
        for match in select_with_first_option.finditer(path.read_text()):
            attrs = match.group("attrs")
            if not re.search(r"\brequired\b", attrs) or re.search(r"\bmultiple\b", attrs):
                continue
            first = re.search(r"<option\b[^>]*>", match.group("body"))
            if first is None or not re.search(r'\bvalue=""', first.group(0)):
                line = path.read_text()[: match.start()].count("\n") + 1
                faults.append(f"{path.relative_to(PROJECT_ROOT)}:{line}: <select{attrs}>")
    assert not faults, "required selects without an empty first option:\n" + "\n".join(faults)


def test_required_selects_on_the_pages_start_with_an_empty_option(
    client: TestClient, db: Session
) -> None:
    """The bookings page, a roster and the grants page, with the data that shows each select."""
    first = h.session(db, capacity=5, price_cents=0)
    h.session(db, starts_on=date.today() + timedelta(days=45), price_cents=0)
    person = make_user(db)
    take_seat(db, first, person)
    coordinator = make_user(db, roles={Role.COORDINATOR})
    db.commit()

    log_in(client, person.email)
    bookings = read_page(client, "/bookings")
    assert any(s.required for s in bookings.selects), "the move select is not on the page"
    assert placeholder_faults(bookings) == []

    client.cookies.clear()  # a fresh visitor, who then signs in as the coordinator
    log_in(client, coordinator.email)
    for path in (f"/coordinator/sessions/{first.id}", "/learning/grants"):
        facts = read_page(client, path)
        assert any(s.required for s in facts.selects), f"{path} shows no required select"
        assert placeholder_faults(facts) == [], path


# --- favicon and description -----------------------------------------------------------


def test_the_favicon_is_linked_served_and_found_at_favicon_ico(client: TestClient) -> None:
    icons = read_page(client, "/").icons
    assert {"href": "/static/favicon.svg", "type": "image/svg+xml"}.items() <= icons[0].items()
    moved = client.get("/favicon.ico")
    assert moved.status_code == 301
    assert moved.headers["location"] == "/static/favicon.svg"
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    root = ElementTree.fromstring(icon.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_public_pages_have_a_description_and_a_course_page_its_summary(
    client: TestClient, db: Session, courses: None
) -> None:
    for path in ("/", "/courses", "/schedule", "/login"):
        description = read_page(client, path).meta_description
        assert description and len(description) > 40, f"{path}: description {description!r}"
    course = read_page(client, "/courses/relationship-management").meta_description
    summary = current_version(db, "relationship-management").summary
    assert course == summary.replace("\n", " ").strip()
    assert course != read_page(client, "/").meta_description
