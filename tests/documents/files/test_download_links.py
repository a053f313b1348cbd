"""Signed certificate download links: served from the stored file without a session lookup."""

from __future__ import annotations

import re
import time

from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.db import utcnow
from app.documents.certificates import render as certificate_render
from app.documents.certificates import service as certificates
from app.documents.certificates.issuing import issue_due_certificates
from app.documents.files import download_links
from app.documents.models import Certificate
from app.web import SECURITY_HEADERS
from tests.documents.cert_helpers import make_completion, pdf_text
from tests.factories import log_in, make_user


def _issued(db: Session, name: str = "Łukasz Żółć") -> Certificate:
    learner = make_user(db, name=name)
    make_completion(db, learner)
    issue_due_certificates(db, user_id=learner.id)
    (cert,) = certificates.certificates_of(db, learner)
    db.commit()
    return cert


def _link_on_my_learning(client: TestClient) -> str:
    page = client.get("/learning")
    assert page.status_code == 200
    (link,) = re.findall(r'href="(/files/certificates/[^"]+)"', page.text)
    return link.replace("&amp;", "&")


class Statements:
    """Counts the SQL statements the test's connection runs."""

    def __init__(self, db: Session) -> None:
        self.count = 0
        self.engine = db.get_bind().engine

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, *args: object) -> None:
        self.count += 1


def test_my_learning_links_render_once_then_serve_the_file_without_queries(
    db: Session, client: TestClient
) -> None:
    cert = _issued(db)
    log_in(client, cert_holder_email(db, cert))
    link = _link_on_my_learning(client)
    assert link.startswith(f"/files/certificates/{cert.id}/{certificate_render.inputs_hash(cert)}")
    client.cookies.clear()  # the link itself is the credential, like a pre-signed URL
    db.expire_all()  # a route would have to read the certificate again

    with Statements(db) as first_queries:
        first = client.get(link)
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "application/pdf"
    assert f'filename="{cert.serial}.pdf"' in first.headers["content-disposition"]
    assert "Łukasz Żółć" in pdf_text(first.content)[0]
    assert first_queries.count > 0  # the miss went through the route: certificate read

    db.expire_all()
    with Statements(db) as second_queries:
        second = client.get(link)
    assert second.status_code == 200
    assert second.content == first.content
    assert second_queries.count == 0  # the hit: signature and file only
    assert second.headers["etag"] == first.headers["etag"]
    for name, value in SECURITY_HEADERS:
        assert second.headers[name.decode()] == value.decode()

    again = client.get(link, headers={"If-None-Match": second.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def cert_holder_email(db: Session, cert: Certificate) -> str:
    from app.accounts.models import User

    holder = db.get(User, cert.user_id)
    assert holder is not None
    return holder.email


def test_a_tampered_link_is_refused(db: Session, client: TestClient) -> None:
    cert = _issued(db)
    other = _issued(db, name="Дмитрий")
    good = download_links.url_for(cert)
    certificate_render.certificate_file(cert)  # stored: the middleware would serve it
    certificate_render.certificate_file(other)
    forged = [
        good.replace(f"/{cert.id}/", f"/{other.id}/"),  # another certificate, same signature
        good.replace(certificate_render.inputs_hash(cert), certificate_render.inputs_hash(other)),
        re.sub(r"signature=[^&]+", "signature=" + "A" * 43, good),
        re.sub(r"expires=\d+", f"expires={int(time.time()) + 10**6}", good),
        good.split("?")[0],
    ]
    for url in forged:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "not valid" in response.text
    assert client.get(good).status_code == 200


def test_an_expired_link_sends_the_holder_to_the_signed_in_download(
    db: Session, client: TestClient
) -> None:
    cert = _issued(db)
    certificate_render.certificate_file(cert)
    old = download_links.url_for(cert, now=time.time() - download_links.LIFETIME_SECONDS - 1)
    response = client.get(old)
    assert response.status_code == 303
    assert response.headers["location"] == f"/certificates/{cert.id}.pdf"


def test_a_link_made_before_a_revocation_does_not_render_the_old_certificate(
    db: Session, client: TestClient
) -> None:
    cert = _issued(db)
    link = download_links.url_for(cert)  # not rendered yet
    cert.revoked_at = utcnow()
    cert.revoke_reason = "Issued in error"
    db.commit()
    response = client.get(link)
    assert response.status_code == 303
    assert response.headers["location"] == f"/certificates/{cert.id}.pdf"


def test_links_only_answer_reads(db: Session, client: TestClient) -> None:
    cert = _issued(db)
    certificate_render.certificate_file(cert)
    link = download_links.url_for(cert)
    head = client.head(link)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == "application/pdf"
    assert client.post(link).status_code == 405
