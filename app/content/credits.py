"""Credit hours: what a completion of a course version is worth, per delivery format.

A pack declares ``credit_hours`` under each format and under ``online`` (online study in
the player); the top-level ``credit_hours`` is the default for those that do not declare
their own, which is also all that versions stored before per-format hours have.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.content.models import CourseVersion
from app.content.packformat import CourseSpec

# A credit may round the teaching time up to the nearest half hour, never further.
CREDIT_TOLERANCE_HOURS = 0.25
# Below half its teaching time a format is almost surely claiming another format's hours
# (the three-day workshop stating the one-day figure).
MIN_CREDIT_SHARE = 0.5


def declared_credit_hours(spec: Mapping[str, Any], format_id: str | None) -> float | None:
    """The hours a stored or parsed spec declares for a format (``None``: online study),
    the top-level default when it declares none, ``None`` when there is neither."""
    if format_id is None:
        own = (spec.get("online") or {}).get("credit_hours")
    else:
        own = ((spec.get("formats") or {}).get(format_id) or {}).get("credit_hours")
    value = own if own is not None else spec.get("credit_hours")
    return float(value) if value is not None else None


def credit_hours_for(version: CourseVersion, format_id: str | None) -> float:
    """The credit hours a certificate of this version states: those of the session's
    format, or of online study when there is no session (``format_id`` None)."""
    declared = declared_credit_hours(version.spec, format_id)
    # Versions stored before per-format hours: the one figure they had.
    return declared if declared is not None else version.credit_hours


def default_credit_hours(spec: CourseSpec) -> float:
    """What a version's ``credit_hours`` column holds: the top-level default, else the
    online hours, else the largest format's (the column predates per-format hours)."""
    if spec.credit_hours is not None:
        return spec.credit_hours
    if spec.online is not None:
        return spec.online.credit_hours
    declared = [f.credit_hours for f in spec.formats.values() if f.credit_hours is not None]
    return max(declared, default=0.0)


def min_online_minutes(spec: Mapping[str, Any]) -> int:
    """The least time in the modules an online completion needs (``completion.min_minutes``;
    0 for specs stored before the key existed)."""
    return int((spec.get("completion") or {}).get("min_minutes") or 0)
