"""Certificate PDFs: what a certificate shows, its stored file, and the batch path.

A batch of certificates (a session's, or one for a single download) is laid out once and
composed into pages by :mod:`app.documents.certificates.compose`, and written as one PDF
plus a PDF per person by :mod:`app.documents.certificates.batch` (on every CPU core for
big batches). :func:`render_and_store` is the batch path the app uses: the session
"Certificates" document and ``apex documents certificates`` call it, and it stores each
person's file under the hash of its inputs, so their download is then served without
rendering (:func:`certificate_file`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path

from weasyprint import Document

from app.base_url import absolute_url
from app.documents.certificates import batch as certificate_batch
from app.documents.certificates import compose as certificate_compose
from app.documents.certificates.batch import RenderedBatch
from app.documents.certificates.compose import CertificatePage
from app.documents.files import storage
from app.documents.models import Certificate, EarnedBy
from app.documents.pdf import engine
from app.formatting import date_range, plain_date

TEMPLATE = certificate_compose.TEMPLATE
STYLESHEET = certificate_compose.STYLESHEET

__all__ = ["CertificatePage", "RenderedBatch"]


def verification_url(token: str) -> str:
    """The public address that verifies a certificate (printed and in the QR code)."""
    return absolute_url(f"/verify/{token}")


def credit_hours_text(hours: float) -> str:
    """6.5 credit hours; 1 credit hour."""
    return f"{hours:g} credit hour{'' if hours == 1 else 's'}"


def earned_text(cert: Certificate) -> str:
    """How it was earned, as the certificate says it.

    "attended, 26 February 2027, APEX Training Centre"; "completed online, 14 March 2026".
    """
    dates = date_range(cert.first_date, cert.last_date)
    if cert.earned_by == EarnedBy.ONLINE:
        return f"completed online, {dates}"
    return ", ".join(part for part in ("attended", dates, cert.earned_place) if part)


def page_for(cert: Certificate) -> CertificatePage:
    """The display strings of one certificate, from its frozen columns."""
    revoked = ""
    if cert.revoked_at is not None:
        revoked = f"{plain_date(cert.revoked_at.date())}: {cert.revoke_reason}"
    return CertificatePage(
        serial=cert.serial,
        holder_name=cert.holder_name,
        course_title=cert.course_title,
        course_version=cert.course_version,
        credit_hours=credit_hours_text(cert.credit_hours),
        dates=date_range(cert.first_date, cert.last_date),
        earned=earned_text(cert),
        facilitators=cert.facilitator_names,
        issued=plain_date(cert.issued_at.date()),
        issued_iso=cert.issued_at.date().isoformat(),
        verify_url=verification_url(cert.token),
        revoked=revoked,
    )


def pages_document(pages: Sequence[CertificatePage]) -> Document:
    """Lay out certificate pages (not yet written) in a single WeasyPrint pass."""
    return certificate_compose.compose(pages, engine.paper())


def certificate_document(certs: Sequence[Certificate]) -> Document:
    """Certificates laid out as pages, one each, to join a larger PDF (print packs)."""
    return pages_document([page_for(cert) for cert in certs])


def render_batch(certs: Sequence[Certificate]) -> RenderedBatch:
    """Certificates as one PDF (a page each) and as a PDF each, from one layout per share."""
    return certificate_batch.render_batch([page_for(cert) for cert in certs], engine.paper())


def render_certificate(cert: Certificate) -> bytes:
    """The PDF of one certificate."""
    return render_batch([cert]).combined


def render_and_store(certs: Sequence[Certificate]) -> bytes:
    """The batch path: render certificates together, store each person's file, return all.

    Each file is stored under its certificate's inputs hash (what :func:`certificate_file`
    looks up), unless a file for the same inputs is already there; the combined PDF is
    returned for the caller to store under its own hash.
    """
    # The paths are decided here (settings, existing files); the files are written by
    # whichever process rendered them.
    targets = [
        None if storage.lookup(digest) is not None else storage.path_for(digest)
        for digest in (inputs_hash(cert) for cert in certs)
    ]
    pages = [page_for(cert) for cert in certs]
    return certificate_batch.render_batch(pages, engine.paper(), targets=targets).combined


@lru_cache(maxsize=1)
def _design_hash() -> str:
    # The template and stylesheet are inputs too: a new design names new files. (Both
    # are read once per process, like the parsed stylesheet itself.)
    digest = hashlib.sha256()
    for path in (engine.TEMPLATES_DIR / TEMPLATE, STYLESHEET):
        digest.update(path.read_bytes())
    digest.update(certificate_compose.DESIGN_VERSION.encode())
    return digest.hexdigest()


def inputs_hash(cert: Certificate) -> str:
    """The hash naming a certificate's stored PDF: everything it shows (revocation
    included), the design, the paper and the engine's template version.

    What it shows includes the verify link and QR code, so the public base URL is part of
    the key: a file made for one address is never served under another.
    """
    page = asdict(page_for(cert))
    return storage.inputs_hash({"kind": "certificate", "page": page, "design": _design_hash()})


def certificate_file(cert: Certificate, *, digest: str | None = None) -> Path:
    """The stored PDF of a certificate, rendered and stored first when its inputs are new.

    ``digest`` is the certificate's :func:`inputs_hash` when the caller has it already.
    """
    digest = digest or inputs_hash(cert)
    return storage.lookup(digest) or storage.store(digest, render_certificate(cert))
