"""``apex schedule``: preview a recurrence rule, and move every series' horizon."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from app.db import transaction
from app.errors import Invalid

schedule_cli = typer.Typer(
    help="Schedules: preview recurrence rules, extend series.", no_args_is_help=True
)


def _iso_date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"'{value}' is not a date (YYYY-MM-DD).", param_hint=option
        ) from None


@schedule_cli.command("preview")
def preview(
    rule: Annotated[
        str,
        typer.Option(
            help="RRULE (FREQ=MONTHLY;BYDAY=-1FR) or preset (last-friday, weekly-monday)."
        ),
    ],
    start: Annotated[str, typer.Option(help="First date to consider, YYYY-MM-DD.")],
    tz: Annotated[str, typer.Option(help="IANA time zone, e.g. America/New_York.")],
    count: Annotated[int, typer.Option(min=1, max=1000, help="How many dates of the rule.")] = 12,
    holidays: Annotated[
        str | None, typer.Option(help="Country code whose public holidays apply, e.g. US.")
    ] = None,
    policy: Annotated[
        str, typer.Option(help="On a holiday: skip, previous or next business day.")
    ] = "skip",
) -> None:
    """Print the dates of a rule, one per line, with a note when a holiday moved or dropped one."""
    from app.scheduling.recurrence import format_line, occurrences

    first = _iso_date(start, "--start")
    try:
        found = occurrences(
            rule, first, tz, count=count, holiday_country=holidays or None, policy=policy
        )
    except Invalid as exc:
        raise typer.BadParameter(exc.message) from None
    for occurrence in found:
        print(format_line(occurrence))


@schedule_cli.command("extend")
def extend(
    months: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=36,
            help="Materialise this many months ahead (default: each series' horizon).",
        ),
    ] = None,
) -> None:
    """Materialise every active series' sessions up to its horizon; print what was created."""
    from app.scheduling.courses import course_titles
    from app.scheduling.series import extend_all

    with transaction() as db:
        results = extend_all(db, months=months)
        titles = course_titles(db, {s.course_id for _, made in results for s in made})
        total = 0
        for series, created in results:
            for session in created:
                title = titles.get(session.course_id, session.format_id)
                print(f"{session.starts_on.isoformat()}  {title}  ({series.title})")
            total += len(created)
            print(
                f"{series.title}: {len(created)} new sessions, "
                f"materialised up to {series.materialised_until}"
            )
        print(f"{total} sessions created in {len(results)} series.")
