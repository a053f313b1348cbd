"""Calendar feeds over HTTP: the public series feed and private per-person feeds."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.scheduling.models import CalendarFeed
from tests.factories import log_in, make_organisation, make_user, post_form
from tests.scheduling.calendars.helpers import (
    assert_zones_defined,
    enrol,
    events,
    facilitate,
    make_series_row,
    parse,
)
from tests.scheduling.factories import make_session

SOON = date.today() + timedelta(days=40)
FEED_URL = re.compile(r'value="http://testserver/calendars/([A-Za-z0-9_-]+)\.ics"')


def _feed_token(client: TestClient) -> str:
    page = client.get("/calendar-feed")
    assert page.status_code == 200, page.text
    match = FEED_URL.search(page.text)
    assert match, page.text
    return match.group(1)


def test_the_public_series_feed_lists_its_sessions(db: Session, client: TestClient) -> None:
    series = make_series_row(db, title="APEX Last Friday", tz="America/New_York")
    tracks = [
        make_session(db, series=series, track_position=n, course_slug=slug, starts_on=SOON)
        for n, slug in enumerate(["client-expectations", "status-communication"], start=1)
    ]
    called_off = make_session(db, series=series, track_position=1, starts_on=SOON + timedelta(28))
    called_off.status = "cancelled"
    other = make_session(db, starts_on=SOON)  # not in the series
    db.flush()

    response = client.get(f"/calendars/series/{series.id}.ics")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    parsed = parse(response.content)
    assert_zones_defined(parsed)
    found = events(parsed)
    assert set(found) == {tracks[0].uid, tracks[1].uid, called_off.uid}
    assert other.uid not in found
    assert str(found[called_off.uid]["STATUS"]) == "CANCELLED"
    assert str(found[tracks[0].uid]["STATUS"]) == "CONFIRMED"
    assert str(found[tracks[0].uid]["SUMMARY"]) == "Defining and Managing Client Expectations"
    assert str(found[tracks[0].uid]["URL"]) == f"http://testserver/sessions/{tracks[0].id}"
    assert "APEX Last Friday" in str(parsed["X-WR-CALNAME"])
    # Rendering again gives the same UIDs and bytes, so calendars update rather than duplicate.
    assert client.get(f"/calendars/series/{series.id}.ics").content == response.content


def test_in_house_and_unknown_series_have_no_public_feed(db: Session, client: TestClient) -> None:
    private = make_series_row(db, organisation=make_organisation(db))
    make_session(db, series=private, track_position=1)
    assert client.get(f"/calendars/series/{private.id}.ics").status_code == 404
    assert client.get("/calendars/series/999999.ics").status_code == 404


def test_a_learner_feed_shows_booked_sessions_with_their_status(
    db: Session, client: TestClient
) -> None:
    learner = make_user(db)
    confirmed = make_session(db, starts_on=SOON, course_slug="trust-and-confidence")
    held = make_session(db, starts_on=SOON + timedelta(days=7))
    waitlisted = make_session(db, starts_on=SOON + timedelta(days=14))
    cancelled = make_session(db, starts_on=SOON + timedelta(days=21))
    rebooked = make_session(db, starts_on=SOON + timedelta(days=28))
    called_off = make_session(db, starts_on=SOON + timedelta(days=35), status="cancelled")
    someone_elses = make_session(db, starts_on=SOON)
    in_an_hour = datetime.now(UTC) + timedelta(hours=1)
    enrol(db, confirmed, learner)
    enrol(db, held, learner, "held", hold_expires_at=in_an_hour)
    enrol(db, waitlisted, learner, "waitlisted")
    enrol(db, cancelled, learner, "cancelled")
    enrol(db, rebooked, learner, "cancelled")
    enrol(db, rebooked, learner, "confirmed")
    enrol(db, called_off, learner, "cancelled")
    enrol(db, someone_elses, make_user(db))
    log_in(client, learner.email)

    token = _feed_token(client)
    client.cookies.clear()  # calendar apps fetch without the person's cookie
    response = client.get(f"/calendars/{token}.ics")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response.headers["cache-control"]
    parsed = parse(response.content)
    assert_zones_defined(parsed)
    status = {uid: str(event["STATUS"]) for uid, event in events(parsed).items()}
    assert status == {
        confirmed.uid: "CONFIRMED",
        held.uid: "TENTATIVE",
        cancelled.uid: "CANCELLED",
        rebooked.uid: "CONFIRMED",  # the live booking wins over the earlier cancelled one
        called_off.uid: "CANCELLED",
    }
    assert waitlisted.uid not in status and someone_elses.uid not in status


def test_a_facilitator_feed_shows_the_sessions_they_run(db: Session, client: TestClient) -> None:
    facilitator = make_user(db, roles={Role.FACILITATOR})
    mine = make_session(db, starts_on=SOON)
    dropped = make_session(db, starts_on=SOON + timedelta(days=7), status="cancelled")
    not_mine = make_session(db, starts_on=SOON)
    facilitate(db, mine, facilitator)
    facilitate(db, dropped, facilitator)
    facilitate(db, not_mine, make_user(db, roles={Role.FACILITATOR}))
    log_in(client, facilitator.email)

    found = events(parse(client.get(f"/calendars/{_feed_token(client)}.ics").content))

    assert set(found) == {mine.uid, dropped.uid}
    assert str(found[mine.uid]["SUMMARY"]).endswith("(facilitating)")
    assert str(found[dropped.uid]["STATUS"]) == "CANCELLED"


def test_the_feed_page_needs_a_sign_in_and_keeps_one_token(db: Session, client: TestClient) -> None:
    response = client.get("/calendar-feed")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    learner = make_user(db)
    log_in(client, learner.email)
    token = _feed_token(client)
    assert _feed_token(client) == token
    assert db.get(CalendarFeed, learner.id).token == token
    assert len(token) >= 32


def test_resetting_the_link_retires_the_old_url(db: Session, client: TestClient) -> None:
    learner = make_user(db)
    log_in(client, learner.email)
    old = _feed_token(client)

    response = post_form(client, "/calendar-feed", {}, token_from="/calendar-feed")

    assert response.status_code == 303 and response.headers["location"] == "/calendar-feed"
    new = _feed_token(client)
    assert new != old
    assert client.get(f"/calendars/{old}.ics").status_code == 404
    assert client.get(f"/calendars/{new}.ics").status_code == 200


def test_resetting_needs_the_form_token(db: Session, client: TestClient) -> None:
    learner = make_user(db)
    log_in(client, learner.email)
    old = _feed_token(client)
    assert client.post("/calendar-feed", data={}).status_code == 403
    assert _feed_token(client) == old


def test_an_unknown_token_is_not_found(client: TestClient) -> None:
    assert client.get("/calendars/not-a-real-token.ics").status_code == 404
