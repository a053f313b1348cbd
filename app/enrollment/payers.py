"""Who pays for a seat: one rule, decided when the seat is taken.

Every held or confirmed seat has exactly one payer, recorded on the enrolment
(``Enrollment.payer``, a ``SeatPayer``):

- ``seat_pack``: drawn from a prepaid pack of the person's organisation (``seat_pack_id``);
- ``order``: an order line pays it, by card (the seat is held until then) or by an
  invoice to the person or to their organisation (the seat is confirmed at once);
- ``complimentary``: nothing to pay, with the reason in ``payer_note`` (a free session,
  or the coordinator's reason).

For a member of a client organisation a pack that covers the course and date comes
first; then an invoice to the organisation, if the organisation pays by invoice; else
the person pays. A coordinator may choose the payer instead (``PayerChoice``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts import organisations
from app.accounts.models import Organisation, User
from app.bounds import reason_text
from app.enrollment import hooks, notices, rules
from app.enrollment.models import BookingGroup, Enrollment, EnrollmentStatus, SeatPack, SeatPayer
from app.errors import Conflict, Invalid
from app.scheduling import visibility
from app.scheduling.models import CourseSession

USED_STATUSES = (EnrollmentStatus.HELD, EnrollmentStatus.CONFIRMED)
MAX_REASON = 300


class PayerChoice(enum.StrEnum):
    """What the coordinator's enrol form offers; self-service is always ``AUTO``."""

    AUTO = "auto"  # the rule above
    SEAT_PACK = "seat_pack"
    INVOICE_ORGANISATION = "invoice_organisation"
    INVOICE_PERSON = "invoice_person"
    COMPLIMENTARY = "complimentary"


PAYER_CHOICES = {
    PayerChoice.AUTO: "Their organisation's seat pack, else an invoice to whoever pays",
    PayerChoice.SEAT_PACK: "A seat from their organisation's seat pack",
    PayerChoice.INVOICE_ORGANISATION: "An invoice to their organisation",
    PayerChoice.INVOICE_PERSON: "An invoice to the person",
    PayerChoice.COMPLIMENTARY: "Complimentary (give the reason)",
}


@dataclass(frozen=True)
class Plan:
    """How one seat will be paid for, decided before it is taken."""

    payer: SeatPayer
    hold: bool = False  # held until a card payment (self-service, nobody else pays)
    invoice: bool = False  # confirmed now and invoiced (``organisation_id`` or the person)
    organisation_id: int | None = None
    pack: SeatPack | None = None  # locked: take the session lock after it
    note: str = ""


def paying_user_id(db: Session, enrollment: Enrollment) -> int:
    """Who pays for a seat's order: whoever booked its programme or group, else its holder."""
    if enrollment.booking_group_id is not None:
        group = db.get(BookingGroup, enrollment.booking_group_id)
        if group is not None:
            return group.user_id
    return enrollment.user_id


def used_seats(db: Session, pack_id: int) -> int:
    """Seats of the pack in use (held or confirmed enrolments drawn from it)."""
    query = select(func.count(Enrollment.id)).where(
        Enrollment.seat_pack_id == pack_id, Enrollment.status.in_(USED_STATUSES)
    )
    return int(db.scalar(query) or 0)


def covering_pack(db: Session, user_id: int, session: CourseSession) -> SeatPack | None:
    """A pack of the person's organisations that covers the session and has a seat left.

    Each candidate is locked (packs before sessions: one lock order) before its seats
    are counted, so two bookings never draw the last seat of a pack twice.
    """
    org_ids = organisations.member_organisation_ids(db, user_id)
    if not org_ids:
        return None
    candidates = db.scalars(
        select(SeatPack.id)
        .where(
            SeatPack.organisation_id.in_(org_ids),
            SeatPack.valid_from <= session.starts_on,
            SeatPack.valid_until >= session.starts_on,
            (SeatPack.course_id.is_(None)) | (SeatPack.course_id == session.course_id),
        )
        .order_by(SeatPack.valid_until, SeatPack.id)  # the pack that runs out first
    ).all()
    for pack_id in candidates:
        pack = rules.lock_seat_pack(db, pack_id)
        if used_seats(db, pack.id) < pack.seats:
            return pack
    return None


def invoice_organisation_id(db: Session, user_id: int) -> int | None:
    """The person's organisation that pays their seats by invoice, if any (lowest id)."""
    org_ids = organisations.member_organisation_ids(db, user_id)
    if not org_ids:
        return None
    query = (
        select(Organisation.id)
        .where(Organisation.id.in_(org_ids), Organisation.pays_by_invoice.is_(True))
        .order_by(Organisation.id)
        .limit(1)
    )
    return db.scalar(query)


def organisation_name(db: Session, organisation_id: int) -> str:
    """An organisation's name, for messages ("Paid from Northwind's seat pack")."""
    organisation = db.get(Organisation, organisation_id)
    return organisation.name if organisation is not None else "the organisation"


def parse_choice(value: str) -> PayerChoice:
    """The payer chosen on a form; ``Invalid`` for anything not offered."""
    try:
        return PayerChoice((value or "auto").strip())
    except ValueError:
        raise Invalid("Choose who pays for the seat from the list.") from None


def plan_seat(
    db: Session,
    session: CourseSession,
    person: User,
    *,
    price_cents: int,
    choice: PayerChoice = PayerChoice.AUTO,
    reason: str = "",
    acting: User | None = None,
    use_packs: bool = True,
) -> Plan:
    """Decide who pays for ``person``'s seat on ``session`` (call before locking it).

    ``acting`` is the coordinator enrolling someone else (None: the person books).
    """
    by_someone_else = acting is not None and acting.id != person.id
    if choice == PayerChoice.COMPLIMENTARY:
        return _complimentary(reason, acting)
    if price_cents == 0:
        return Plan(SeatPayer.COMPLIMENTARY, note="Free session")
    if choice == PayerChoice.SEAT_PACK:
        pack = covering_pack(db, person.id, session)
        if pack is None:
            raise Conflict(
                f"No seat pack of {person.display_name}'s organisation covers "
                f"{rules.session_label(db, session)} with a seat left."
            )
        return from_pack(db, pack)
    if choice == PayerChoice.INVOICE_ORGANISATION:
        return _invoice_organisation(db, person)
    if choice == PayerChoice.INVOICE_PERSON:
        return Plan(SeatPayer.ORDER, invoice=True)
    pack = covering_pack(db, person.id, session) if use_packs else None
    if pack is not None:
        return from_pack(db, pack)
    organisation_id = invoice_organisation_id(db, person.id)
    if organisation_id is not None:
        return Plan(SeatPayer.ORDER, invoice=True, organisation_id=organisation_id)
    if by_someone_else:
        return Plan(SeatPayer.ORDER, invoice=True)  # the coordinator's default: bill them
    return Plan(SeatPayer.ORDER, hold=True)


def from_pack(db: Session, pack: SeatPack) -> Plan:
    """A seat drawn from ``pack`` (locked by the caller)."""
    name = organisation_name(db, pack.organisation_id)
    return Plan(SeatPayer.SEAT_PACK, pack=pack, note=f"Paid from {name}'s seat pack")


def _invoice_organisation(db: Session, person: User) -> Plan:
    org_ids = sorted(organisations.member_organisation_ids(db, person.id))
    if not org_ids:
        raise Conflict(
            f"{person.display_name} is not a member of a client organisation; "
            "invoice the person instead."
        )
    preferred = invoice_organisation_id(db, person.id) or org_ids[0]
    return Plan(SeatPayer.ORDER, invoice=True, organisation_id=preferred)


def _complimentary(reason: str, acting: User | None) -> Plan:
    if acting is None or not visibility.is_staff(acting):
        raise Invalid("Only the training company's coordinators can give a complimentary seat.")
    cleaned = reason_text(
        reason,
        most=MAX_REASON,
        missing="Give the reason for the complimentary seat (it is kept with the seat).",
    )
    return Plan(SeatPayer.COMPLIMENTARY, note=cleaned)


def payer_text(db: Session, enrollment: Enrollment) -> str:
    """How the seat is paid, for the person and the roster."""
    if enrollment.payer == SeatPayer.SEAT_PACK and enrollment.seat_pack_id is not None:
        pack = db.get(SeatPack, enrollment.seat_pack_id)
        if pack is not None:
            return f"Paid from {organisation_name(db, pack.organisation_id)}'s seat pack"
    if enrollment.payer == SeatPayer.COMPLIMENTARY:
        return f"Complimentary: {enrollment.payer_note}" if enrollment.payer_note else "Free"
    return ""


def give_seat(
    db: Session,
    enrollment: Enrollment,
    session: CourseSession,
    plan: Plan,
    now: datetime,
    *,
    bill: bool = True,
) -> None:
    """Give the enrolment its seat as ``plan`` says: held for a card, or confirmed and
    recorded against its payer (a pack, an invoice made now, or a complimentary note)."""
    enrollment.payer = plan.payer
    enrollment.payer_note = plan.note
    enrollment.seat_pack_id = plan.pack.id if plan.pack is not None else None
    if plan.hold:
        rules.mark_held(enrollment, now)
        db.flush()
        notices.enrollment_held(db, enrollment)
        return
    rules.mark_confirmed(db, enrollment, session.course_id, now)
    db.flush()
    notices.enrollment_confirmed(db, enrollment)
    if plan.invoice and bill:
        hooks.invoice_booking(db, [enrollment], plan.organisation_id)
