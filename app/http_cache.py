"""Conditional GET: strong ETags, Last-Modified, and 304 Not Modified with no body.

The one place a request's validators are compared: stored documents (their inputs'
hash is the ETag) and generated bodies such as calendar feeds (the body's hash is the
ETag, so any change to what a client would read changes it). A leaf: it imports nothing
from ``app``.

RFC 9110 13.2.2: If-None-Match, when sent, decides alone; If-Modified-Since is looked at
only without it, and only to the second (HTTP dates have no finer grain).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import Request
from fastapi.responses import Response


def etag_matches(if_none_match: str, digest: str) -> bool:
    """True when an If-None-Match header names this digest (or ``*``)."""
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return f'"{digest}"' in tags or "*" in tags


def http_date(moment: datetime) -> str:
    """An HTTP date (IMF-fixdate, GMT) for ``moment``."""
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def _not_modified_since(if_modified_since: str, last_modified: datetime) -> bool:
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError, IndexError):
        return False  # an unreadable date is ignored, as RFC 9110 says
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return last_modified.astimezone(UTC).replace(microsecond=0) <= since


def not_modified(request: Request, digest: str, last_modified: datetime | None = None) -> bool:
    """True when the client already holds this version (answer 304)."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        return etag_matches(if_none_match, digest)
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since and last_modified is not None:
        return _not_modified_since(if_modified_since, last_modified)
    return False


def cacheable_body(
    request: Request,
    body: bytes,
    *,
    media_type: str,
    headers: Mapping[str, str],
    last_modified: datetime | None = None,
) -> Response:
    """``body`` with a strong ETag (its SHA-256) and Last-Modified, or a 304 without it.

    A 304 repeats the validators and Cache-Control, as a 200 would carry them.
    """
    digest = hashlib.sha256(body).hexdigest()[:32]
    validators = {**headers, "ETag": f'"{digest}"'}
    if last_modified is not None:
        validators["Last-Modified"] = http_date(last_modified)
    if not_modified(request, digest, last_modified):
        return Response(status_code=304, headers=validators)
    return Response(body, media_type=media_type, headers=validators)
