"""Connect every feature's hook points to the higher features that answer them.

The one place the features are joined: each lower feature declares its hook points in
its ``hooks.py`` (see ``app.hooks``); this module connects the receivers. The web app
(``app.main.create_app``), the ``apex`` command and the document worker
(``app.worker``) all call ``wire()`` before doing any work, so a seat cancelled from the
command line owes the same refund as one cancelled on a page.
"""

from __future__ import annotations

from app.content import hooks as content_hooks
from app.documents.certificates import issuing as certificate_issuing
from app.documents.certificates import routes as certificate_routes
from app.documents.models import CertificateStatus, JobStatus
from app.enrollment import hooks as enrollment_hooks
from app.enrollment import notices as enrollment_notices
from app.enrollment import queries as enrollment_queries
from app.enrollment.models import EnrollmentStatus, InHouseRequestStatus
from app.enrollment.pages import public as enrollment_public_pages
from app.learning import hooks as learning_hooks
from app.payments import checkout, moves, refunds, views
from app.payments.models import OrderStatus
from app.scheduling import hooks as scheduling_hooks
from app.scheduling.models import SessionStatus
from app.web import templates


def wire() -> None:
    """Connect all receivers (safe to call again: a receiver is connected once)."""
    # Pages branch on a status by its enum (``SessionStatus.CANCELLED``), not by a string
    # that a renamed value would silently stop matching; app.web cannot import features.
    statuses = (
        CertificateStatus,
        EnrollmentStatus,
        InHouseRequestStatus,
        JobStatus,
        OrderStatus,
        SessionStatus,
    )
    templates.env.globals.update({status.__name__: status for status in statuses})
    # Scheduling asks enrolment which sessions are booked and how many seats are taken.
    scheduling_hooks.SESSIONS_IN_USE.connect(enrollment_queries.sessions_in_use)
    scheduling_hooks.SEAT_COUNTS.connect(enrollment_queries.seats_taken)
    # A booked session that moves tells its people, with an updated invitation.
    scheduling_hooks.SESSION_RESCHEDULED.connect(enrollment_notices.session_rescheduled)
    # The course page lists upcoming sessions; My learning lists certificates.
    content_hooks.COURSE_PAGE_SECTIONS.connect(enrollment_public_pages.upcoming_sessions_section)
    learning_hooks.MY_LEARNING_SECTIONS.connect(certificate_routes.my_learning_section)
    # A course completed online is certified at once (attendance: by the ticker).
    learning_hooks.COURSE_COMPLETED.connect(certificate_issuing.on_course_completed)
    # Enrolment tells payments about cancelled seats and invoice bookings, and asks it
    # which order pays for a seat.
    enrollment_hooks.SEATS_RELEASED.connect(refunds.on_seats_released)
    enrollment_hooks.INVOICE_BOOKING.connect(checkout.on_invoice_booking)
    enrollment_hooks.SEAT_MOVED.connect(moves.on_seat_moved)
    # Closing a session after its last day issues its attendance certificates at once.
    enrollment_hooks.SESSION_CLOSED.connect(certificate_issuing.on_session_closed)
    enrollment_hooks.REFUND_PREVIEW.connect(refunds.preview_refund)
    enrollment_hooks.ORDER_LINKS.connect(views.roster_order_links)
