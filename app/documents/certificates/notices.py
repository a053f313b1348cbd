"""The learner's e-mail that a certificate is ready, sent once its issue commits."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.base_url import absolute_url
from app.documents.models import Certificate
from app.notifications.mail import send_template

log = logging.getLogger(__name__)


def certificate_ready(db: Session, cert: Certificate, holder: User) -> None:
    """Tell the holder their certificate is ready, with the link to download it.

    Queued on ``db``: nobody is told about a certificate whose issue rolls back. A
    failure to build the message is logged, never raised, so it cannot undo the issue.
    """
    try:
        send_template(
            to=holder.email,
            subject=f"Your certificate is ready: {cert.course_title}",
            template="emails/certificate_ready.txt",
            context={
                "name": holder.display_name,
                "course_title": cert.course_title,
                "serial": cert.serial,
                "download_url": absolute_url(f"/certificates/{cert.id}.pdf"),
                "certificates_url": absolute_url("/certificates"),
                "verify_url": absolute_url(f"/verify/{cert.token}"),
            },
            after_commit_of=db,
        )
    except Exception:
        log.exception("could not queue the certificate-ready notice for %s", cert.serial)
