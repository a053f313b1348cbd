"""Learners' certificates and downloads; coordinators' issue, revoke and re-issue pages."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.accounts.service import issue_api_token
from app.documents.certificates import render as certificate_render
from app.documents.certificates import service as certificates
from app.documents.certificates.issuing import issue_due_certificates
from app.documents.models import Certificate
from tests.documents.cert_helpers import (
    make_attended_session,
    make_completion,
    make_coordinator,
    pdf_text,
)
from tests.factories import log_in, make_user, post_form


def test_my_certificates_lists_what_the_ticker_issued(db: Session, client: TestClient) -> None:
    learner = make_user(db, name="Zoë Ødegård")
    make_completion(db, learner)
    log_in(client, learner.email)
    # Bug: opening the page used to issue what was due (a GET that wrote). Now it only
    # lists; the ticker (or the completion itself) issues.
    assert "You have no certificates yet" in client.get("/certificates").text
    assert certificates.certificates_of(db, learner) == []
    assert issue_due_certificates(db) == 1
    page = client.get("/certificates")
    assert page.status_code == 200
    (cert,) = certificates.certificates_of(db, learner)
    assert cert.serial in page.text
    assert f'href="/files/certificates/{cert.id}/' in page.text  # a signed download link


def test_my_certificates_needs_sign_in(client: TestClient) -> None:
    response = client.get("/certificates")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_learner_downloads_own_certificate_only(db: Session, client: TestClient) -> None:
    me, other = make_user(db, name="李小龍"), make_user(db)
    make_completion(db, me)
    make_completion(db, other)
    log_in(client, me.email)
    (mine,) = [certificate_issuing_for(db, me)]
    response = client.get(f"/certificates/{mine.id}.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert mine.serial in response.headers["content-disposition"]
    assert "李小龍" in pdf_text(response.content)[0]
    theirs = certificate_issuing_for(db, other)
    assert client.get(f"/certificates/{theirs.id}.pdf").status_code == 404
    assert client.get("/certificates/999999.pdf").status_code == 404
    # nor through the coordinators' download
    assert client.get(f"/coordinator/certificates/{theirs.id}.pdf").status_code == 403


def certificate_issuing_for(db: Session, user) -> Certificate:
    """Issue what is due to ``user`` and commit (a later failing request rolls back to here)."""
    issue_due_certificates(db, user_id=user.id)
    (cert,) = certificates.certificates_of(db, user)
    db.commit()
    return cert


def test_second_download_is_served_without_rendering(
    db: Session, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    learner = make_user(db)
    make_completion(db, learner)
    cert = certificate_issuing_for(db, learner)
    renders: list[int] = []
    real = certificate_render.render_certificate

    def counting(c: Certificate) -> bytes:
        renders.append(c.id)
        return real(c)

    monkeypatch.setattr(certificate_render, "render_certificate", counting)
    log_in(client, learner.email)
    first = client.get(f"/certificates/{cert.id}.pdf")
    second = client.get(f"/certificates/{cert.id}.pdf")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert renders == [cert.id]


def test_api_lists_my_certificates(db: Session, client: TestClient) -> None:
    learner = make_user(db)
    make_completion(db, learner)
    cert = certificate_issuing_for(db, learner)
    secret = issue_api_token(db, learner, name="test")
    response = client.get("/api/v1/certificates", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    (row,) = response.json()
    assert row["serial"] == cert.serial and row["status"] == "valid"
    assert client.get("/api/v1/certificates").status_code == 401


def test_coordinator_pages_need_the_role(db: Session, client: TestClient) -> None:
    learner = make_user(db, roles={Role.LEARNER, Role.FACILITATOR})
    log_in(client, learner.email)
    assert client.get("/coordinator/certificates").status_code == 403


def test_coordinator_issues_revokes_and_reissues(db: Session, client: TestClient) -> None:
    coordinator = make_coordinator(db)
    present, absent = make_user(db, name="Jon Smith"), make_user(db, name="Sam Absent")
    session, _ = make_attended_session(
        db, days=2, participants=[present, absent], attended_days={1: [1]}
    )
    log_in(client, coordinator.email)
    listing = client.get("/coordinator/certificates")
    assert listing.status_code == 200
    assert f"session_id={session.id}" in listing.text
    path = f"/coordinator/certificates?session_id={session.id}"
    page = client.get(path)
    assert page.status_code == 200
    assert "Issue certificates for this session" in page.text
    assert "Attended 1 of 2 days." in page.text

    response = post_form(
        client, "/coordinator/certificates/issue", {"session_id": str(session.id)}, token_from=path
    )
    assert response.status_code == 303
    (cert,) = certificates.certificates_for_session(db, session.id)
    assert cert.user_id == present.id
    assert "1 certificate issued." in client.get(path).text

    # a revoke without a reason is refused on the page, nothing changes
    refused = post_form(
        client, f"/coordinator/certificates/{cert.id}/revoke", {"reason": " "}, token_from=path
    )
    assert refused.status_code == 422
    assert "Give a reason" in refused.text
    assert cert.revoked_at is None

    # re-issue after correcting the name on the page
    response = post_form(
        client,
        f"/coordinator/certificates/{cert.id}/reissue",
        {"name": "John Smith"},
        token_from=path,
    )
    assert response.status_code == 303
    db.refresh(cert)
    new = db.get(Certificate, cert.replaced_by_id)
    assert new is not None and new.holder_name == "John Smith"
    assert present.display_name == "John Smith"
    page = client.get(path).text
    assert f"replaced by {new.serial}" in page

    response = post_form(
        client,
        f"/coordinator/certificates/{new.id}/revoke",
        {"reason": "Duplicate record"},
        token_from=path,
    )
    assert response.status_code == 303
    db.refresh(new)
    assert new.revoke_reason == "Duplicate record"
    verify_page = client.get(f"/verify/{new.token}")
    assert "Duplicate record" in verify_page.text

    pdf = client.get(f"/coordinator/certificates/{new.id}.pdf")
    assert pdf.status_code == 200 and "Duplicate record" in pdf_text(pdf.content)[0]


def test_coordinator_forms_need_the_csrf_token(db: Session, client: TestClient) -> None:
    coordinator = make_coordinator(db)
    session, _ = make_attended_session(db, days=1, participants=[make_user(db)])
    log_in(client, coordinator.email)
    response = client.post("/coordinator/certificates/issue", data={"session_id": str(session.id)})
    assert response.status_code == 403
    assert certificates.certificates_for_session(db, session.id) == []


def test_unknown_session_is_404(db: Session, client: TestClient) -> None:
    log_in(client, make_coordinator(db).email)
    assert client.get("/coordinator/certificates?session_id=999999").status_code == 404


def test_my_learning_section(db: Session) -> None:
    from app.documents.certificates.routes import my_learning_section
    from app.web import templates

    assert my_learning_section(db, None) is None
    learner = make_user(db)
    make_completion(db, learner)
    assert my_learning_section(db, learner)[1]["rows"] == []  # listing issues nothing
    issue_due_certificates(db)
    section = my_learning_section(db, learner)
    assert section is not None
    template, context = section
    (row,) = context["rows"]
    # As the My learning page would include it: {% include template %} with ``section``.
    html = templates.get_template(template).render(section=context)
    assert row["cert"].serial in html
    assert f'href="/files/certificates/{row["cert"].id}/' in html


def test_coordinator_finds_and_revokes_an_online_certificate(
    db: Session, client: TestClient
) -> None:
    coordinator = make_coordinator(db)
    learner = make_user(db, name="Priya Raghunathan")
    make_completion(db, learner)
    cert = certificate_issuing_for(db, learner)
    log_in(client, coordinator.email)
    for query in (cert.serial.lower(), learner.email.upper(), "raghu"):
        page = client.get("/coordinator/certificates", params={"q": query})
        assert page.status_code == 200
        assert f'id="certificate-{cert.id}"' in page.text, query
    assert "No certificate matches." in client.get("/coordinator/certificates?q=nobody").text
    path = f"/coordinator/certificates?q={cert.serial}"
    refused = post_form(
        client, f"/coordinator/certificates/{cert.id}/revoke", {"reason": ""}, token_from=path
    )
    assert refused.status_code == 422 and "Give a reason" in refused.text
    done = post_form(
        client,
        f"/coordinator/certificates/{cert.id}/revoke",
        {"reason": "Completed by someone else"},
        token_from=path,
    )
    assert done.status_code == 303 and done.headers["location"] == path
    db.refresh(cert)
    assert cert.revoke_reason == "Completed by someone else"


def test_session_page_without_certificates(db: Session, client: TestClient) -> None:
    log_in(client, make_coordinator(db).email)
    session, _ = make_attended_session(db, days=1, participants=[make_user(db)])
    page = client.get(f"/coordinator/certificates?session_id={session.id}")
    assert "No certificates have been issued for this session yet." in page.text
    assert "1 is due now." in page.text or "1 is due now" in page.text


def test_a_stored_certificate_is_served_with_its_inputs_as_etag(
    db: Session, client: TestClient
) -> None:
    learner = make_user(db)
    make_completion(db, learner)
    cert = certificate_issuing_for(db, learner)
    log_in(client, learner.email)
    first = client.get(f"/certificates/{cert.id}.pdf")
    digest = certificate_render.inputs_hash(cert)
    assert first.status_code == 200 and first.headers["etag"] == f'"{digest}"'
    assert first.headers["content-length"] == str(len(first.content))
    assert first.headers["cache-control"] == "private, no-cache"
    again = client.get(f"/certificates/{cert.id}.pdf", headers={"If-None-Match": f'"{digest}"'})
    assert again.status_code == 304 and again.content == b""
    stale = client.get(f"/certificates/{cert.id}.pdf", headers={"If-None-Match": '"0"'})
    assert stale.status_code == 200 and stale.content == first.content
