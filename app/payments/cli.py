"""``apex payments``: reconcile with Stripe, and set refund policies."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from app.content.models import Course
from app.db import get_session_factory, transaction
from app.errors import Invalid, NotFound
from app.payments import ledger, reconcile, refunds
from app.scheduling.models import CourseSession

payments_cli = typer.Typer(
    help="Payments: reconcile with Stripe, the seat ledger, refund policies.",
    no_args_is_help=True,
)
console = Console()


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), tzinfo=UTC)
    except ValueError as exc:
        raise Invalid(f"--since takes a date as YYYY-MM-DD, not '{value}'.") from exc


@payments_cli.command("reconcile")
def reconcile_command(
    since: Annotated[
        str | None, typer.Option("--since", help="Only Stripe objects created from this date.")
    ] = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="Replay fulfilment for each order found.")
    ] = False,
) -> int:
    """List Stripe payments and refunds that disagree with orders; --apply replays fulfilment."""
    start = _since(since)
    session = get_session_factory()()
    try:
        report = reconcile.find_mismatches(session, start)
        session.rollback()  # looking changed nothing; start fixes from a fresh transaction
        if apply:
            reconcile.apply_fixes(session, report, commit=session.commit, rollback=session.rollback)
    finally:
        session.close()
    console.print(
        f"Checked {report.intents_checked} PaymentIntents, {report.refunds_checked} refunds "
        f"and {report.orders_checked} paid orders.",
        highlight=False,
    )
    if not report.mismatches:
        console.print("Everything matches.", highlight=False)
        return 0
    table = Table("kind", "Stripe id", "order", "detail")
    for m in report.mismatches:
        table.add_row(m.kind, m.stripe_id or "", m.order_reference or "", m.detail)
    console.print(table)
    for line in report.fixed:
        console.print(f"fixed: {line}", highlight=False)
    for line in report.failed:
        console.print(f"[red]not fixed[/red]: {line}", highlight=False)
    if not apply:
        console.print("Nothing was changed. Run again with --apply to replay fulfilment.")
    return 1 if report.failed or not apply else 0


@payments_cli.command("ledger")
def ledger_command() -> None:
    """Check that every confirmed seat has exactly one payer; list those that do not."""
    with transaction() as db:
        rows, problems = ledger.seat_ledger(db)
        db.rollback()  # a report: nothing to keep
    kinds = Counter(row.payer.split(" ", 1)[0] for row in rows)
    summary = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
    console.print(f"{len(rows)} confirmed seats: {summary or 'none'}.", highlight=False)
    for problem in problems:
        console.print(f"[red]problem[/red]: {problem}", highlight=False)
    if problems:
        raise typer.Exit(code=1)
    console.print("Every seat has exactly one payer.", highlight=False)


@payments_cli.command("policy")
def policy_command(
    rules_text: Annotated[str, typer.Argument(help="e.g. '14:100,7:50' (days before:percent).")],
    course: Annotated[str | None, typer.Option("--course", help="A course's slug.")] = None,
    session_id: Annotated[int | None, typer.Option("--session", help="A session's id.")] = None,
) -> None:
    """Give a course or a session its own cancellation refund policy."""
    text = refunds.describe_policy(refunds.parse_policy(rules_text))  # refuse a bad one first
    if (course is None) == (session_id is None):
        raise Invalid("Name either --course SLUG or --session ID.")
    with transaction() as db:
        course_id = None
        if course:
            course_id = db.scalar(select(Course.id).where(Course.slug == course))
            if course_id is None:
                raise NotFound(f"There is no course '{course}'.")
        if session_id is not None and db.get(CourseSession, session_id) is None:
            raise NotFound(f"There is no session {session_id}.")
        refunds.set_policy(db, rules_text=rules_text, course_id=course_id, session_id=session_id)
    target = f"course {course}" if course else f"session {session_id}"
    console.print(f"Refund policy for {target}: {text}", highlight=False)


@payments_cli.command("test-card")
def test_card_command(
    reference: Annotated[str, typer.Argument(help="The order's reference, e.g. APX-000012.")],
    card: Annotated[str, typer.Option("--card", help="A test card number.")] = "4242424242424242",
) -> None:
    """Development only: pay an order's PaymentIntent with a test card (as Stripe.js would).

    For a local Stripe server without a Payment Element (localstripe); refused with live
    keys. The webhook (or the return page) then confirms the seat as usual.
    """
    from app.config import get_settings
    from app.payments import gateway
    from app.payments.models import Order

    if get_settings().stripe_secret_key.startswith(("sk_live", "rk_live")):
        raise Invalid("test-card refuses to run with live Stripe keys.")
    with transaction() as db:
        order = db.scalar(select(Order).where(Order.reference == reference.strip().upper()))
        if order is None:
            raise NotFound(f"There is no order {reference}.")
        if not order.payment_intent_id:
            raise Invalid(
                f"Order {order.reference} has no card payment started; choose card first."
            )
        intent_id = order.payment_intent_id
    status = gateway.pay_with_test_card(intent_id, card)
    console.print(f"PaymentIntent {intent_id}: {status}", highlight=False)
