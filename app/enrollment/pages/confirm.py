"""Confirmation pages: a destructive action (a cancel, a move) asks first.

Its POST without ``confirm=yes`` renders one of these (what happens, the refund, who is
told); the button posts the same action again with ``confirm=yes``. They only read.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from app.accounts.sessions import RequestContext
from app.enrollment import confirmations
from app.enrollment.models import Enrollment
from app.scheduling.models import CourseSession
from app.web import render

# The value a confirmation page's button sends: without it a destructive action only asks.
CONFIRMED = "yes"


def confirm_page(
    request: Request,
    template: str,
    *,
    heading: str,
    lead: str,
    action: str,
    back: str,
    confirm_label: str,
    back_label: str,
    **extra: Any,
) -> Response:
    """A confirmation page (``components/confirm.html``): what will happen, a button that
    posts the action again with ``confirm=yes``, and a way back that changes nothing."""
    context = {
        "heading": heading,
        "lead": lead,
        "action": action,
        "back": back,
        "confirm_label": confirm_label,
        "back_label": back_label,
        **extra,
    }
    return render(request, template, context)


def move_confirmation(
    request: Request,
    ctx: RequestContext,
    enrollment: Enrollment,
    target: CourseSession,
    *,
    by_learner: bool,
    action: str,
    back: str,
) -> Response:
    """Ask before a seat moves to ``target``: the learner about their own seat, staff about
    someone's; the button posts ``action`` again with ``confirm=yes``."""
    preview = confirmations.move_preview(ctx.db, enrollment, target, by_learner=by_learner)
    course, when, name = preview.old.course_title, preview.new.when, preview.person.display_name
    if by_learner:
        heading, lead = "Move your seat?", f"Your seat on {course} moves to {when}."
        labels = ("Yes, move my seat", "No, keep my date")
    else:
        heading, lead = f"Move {name}?", f"{name}'s place on {course} moves to {when}."
        labels = ("Yes, move the seat", "No, back to the roster")
    return confirm_page(
        request,
        "enrollment/confirm_move.html",
        heading=heading,
        lead=lead,
        action=action,
        back=back,
        confirm_label=labels[0],
        back_label=labels[1],
        fields={"session_id": str(target.id)},
        preview=preview,
        told=preview.told,
    )
