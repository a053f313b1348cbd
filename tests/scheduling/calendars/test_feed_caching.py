"""The public series feed answers with ETag and Last-Modified, and 304s what a client has."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from email.utils import format_datetime, parsedate_to_datetime

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.content.models import CourseVersion
from app.scheduling import feeds
from app.scheduling.models import CourseSession, Series
from tests.factories import make_organisation
from tests.scheduling.calendars.helpers import make_series_row
from tests.scheduling.factories import make_session

SOON = date.today() + timedelta(days=40)
LONG_AGO = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def _feed(db: Session) -> tuple[Series, list[CourseSession], str]:
    series = make_series_row(db, title="APEX Last Friday")
    sessions = [make_session(db, series=series, track_position=n, starts_on=SOON) for n in (1, 2)]
    # Last changed well before the test, so a change now is a later second (HTTP dates
    # have no finer grain: within one second only the ETag tells two versions apart).
    series.updated_at = LONG_AGO
    for session in sessions:
        session.updated_at = LONG_AGO
    db.execute(update(CourseVersion).values(created_at=LONG_AGO))
    db.flush()
    return series, sessions, f"/calendars/series/{series.id}.ics"


def test_a_feed_carries_validators_and_a_matching_etag_gets_a_304(
    db: Session, client: TestClient
) -> None:
    _, _, url = _feed(db)
    first = client.get(url)
    assert first.status_code == 200 and first.content.startswith(b"BEGIN:VCALENDAR")
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 20
    assert first.headers["cache-control"] == "public, max-age=900"
    assert client.get(url).headers["etag"] == etag  # the same bytes, the same tag

    for sent in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = client.get(url, headers={"If-None-Match": sent})
        assert again.status_code == 304, sent
        assert again.content == b"" and "content-type" not in again.headers
        assert again.headers["etag"] == etag
        assert again.headers["cache-control"] == "public, max-age=900"
        assert again.headers["last-modified"] == first.headers["last-modified"]
    assert client.get(url, headers={"If-None-Match": '"stale"'}).status_code == 200


def test_if_modified_since_is_honoured_but_if_none_match_decides(
    db: Session, client: TestClient
) -> None:
    _, _, url = _feed(db)
    first = client.get(url)
    modified = first.headers["last-modified"]
    assert parsedate_to_datetime(modified) >= LONG_AGO
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    later = format_datetime(datetime.now(UTC) + timedelta(days=1), usegmt=True)
    assert client.get(url, headers={"If-Modified-Since": later}).status_code == 304
    earlier = format_datetime(parsedate_to_datetime(modified) - timedelta(seconds=1), usegmt=True)
    assert client.get(url, headers={"If-Modified-Since": earlier}).status_code == 200
    for garbage in ("yesterday", "\x00", "Mon, 99 Foo 2026 99:99:99 GMT"):
        assert client.get(url, headers={"If-Modified-Since": garbage}).status_code == 200
    both = {"If-Modified-Since": modified, "If-None-Match": '"stale"'}
    assert client.get(url, headers=both).status_code == 200  # RFC 9110: the ETag wins


def test_changing_any_session_changes_both_validators(db: Session, client: TestClient) -> None:
    _, sessions, url = _feed(db)
    first = client.get(url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]

    sessions[1].start_time = time(10)
    sessions[1].sequence += 1
    db.flush()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and b"T100000" in changed.content
    assert changed.headers["etag"] != etag
    assert parsedate_to_datetime(changed.headers["last-modified"]) > parsedate_to_datetime(modified)
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 200


def test_a_session_leaving_the_feed_changes_both_validators(
    db: Session, client: TestClient
) -> None:
    _, sessions, url = _feed(db)
    first = client.get(url)
    sessions[0].organisation_id = make_organisation(db).id  # in-house now: not public
    db.flush()
    after = client.get(url, headers={"If-Modified-Since": first.headers["last-modified"]})
    assert after.status_code == 200 and after.headers["etag"] != first.headers["etag"]
    assert sessions[0].uid.encode() not in after.content


def test_a_session_ageing_out_of_the_feed_moves_last_modified(db: Session) -> None:
    series = make_series_row(db)
    old = make_session(db, series=series, track_position=1, starts_on=date(2026, 3, 6))
    old.updated_at = series.updated_at = LONG_AGO
    db.execute(update(CourseVersion).values(created_at=LONG_AGO))
    db.flush()
    last_day = date(2026, 3, 6)
    kept = feeds.series_feed_changed_at(db, series.id, today=last_day + feeds.FEED_HISTORY)
    assert kept == LONG_AGO
    gone_on = last_day + feeds.FEED_HISTORY + timedelta(days=1)
    assert old.uid.encode() not in feeds.series_feed(db, series.id, today=gone_on)
    assert feeds.series_feed_changed_at(db, series.id, today=gone_on) == datetime.combine(
        gone_on, time(), UTC
    )
