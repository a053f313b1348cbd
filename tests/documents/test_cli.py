"""``apex documents pack|workbooks|certificates``: the job run in-process with a progress bar."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import migrate
from app.accounts.models import User
from app.db import make_engine
from app.documents.certificates import render as certificate_render
from app.documents.certificates import service as certificates
from app.documents.certificates.issuing import session_version
from app.documents.models import Certificate
from app.enrollment.models import Enrollment
from tests.documents.helpers import make_documents_session, page_count, pages_text, sync_demo_pack
from tests.documents.qr_decode import qr_text_in_pdf

# Until app/cli.py registers the group, the test registers it the same way.
RUN_APEX = (
    "from app.cli import cli, main\n"
    "from app.documents.cli import documents_cli\n"
    "if not any(g.name == 'documents' for g in cli.registered_groups):\n"
    "    cli.add_typer(documents_cli, name='documents')\n"
    "main()\n"
)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], int]:
    """A migrated scratch database with a demo-course session of two participants."""
    folder = tmp_path_factory.mktemp("documents-cli")
    url = f"sqlite:///{folder / 'cli.db'}"
    migrate.upgrade(url=url)
    engine = make_engine(url)
    with Session(bind=engine, expire_on_commit=False) as db:
        course = sync_demo_pack(db, folder)
        session = make_documents_session(db, course, names=["Ada Lovelace", "Grace Hopper"])
        db.commit()
    engine.dispose()
    env = {"APEX_DATABASE_URL": url, "APEX_VAR_DIR": str(folder / "var")}
    return env, session.id


def _apex(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", RUN_APEX, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
    )


def test_pack_writes_the_pdf_and_a_second_run_reuses_it(
    scratch: tuple[dict[str, str], int], tmp_path: Path
) -> None:
    env, session_id = scratch
    out = tmp_path / "pack.pdf"
    result = _apex(env, "documents", "pack", "--session", str(session_id), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "rendered" in result.stderr and f"Wrote {out}" in result.stderr
    text = "\n".join(pages_text(out.read_bytes()))
    assert "Facilitator guide" in text and "Ada Lovelace" in text and "Grace Hopper" in text
    again = _apex(env, "documents", "pack", "--session", str(session_id), "--out", str(out))
    assert again.returncode == 0 and "taken from storage" in again.stderr


def test_workbooks_only(scratch: tuple[dict[str, str], int], tmp_path: Path) -> None:
    env, session_id = scratch
    out = tmp_path / "workbooks.pdf"
    result = _apex(env, "documents", "workbooks", "--session", str(session_id), "--out", str(out))
    assert result.returncode == 0, result.stderr
    pages = pages_text(out.read_bytes())
    assert "Ada Lovelace" in pages[0]
    assert page_count(out.read_bytes()) % 2 == 0  # two identical workbooks
    assert "Facilitator guide" not in "\n".join(pages)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--session", "999999", "--out", "{tmp}/x.pdf"], "There is no session 999999."),
        (["--session", "{id}", "--out", "{tmp}/missing/x.pdf"], "does not exist"),
        (["--session", "abc", "--out", "{tmp}/x.pdf"], "Invalid value for '--session'"),
        (["--out", "{tmp}/x.pdf"], "Missing option '--session'"),
    ],
)
def test_bad_input_gives_one_line(
    scratch: tuple[dict[str, str], int], tmp_path: Path, args: list[str], message: str
) -> None:
    env, session_id = scratch
    filled = [a.format(tmp=tmp_path, id=session_id) for a in args]
    result = _apex(env, "documents", "pack", *filled)
    assert result.returncode in (1, 2)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("apex: error:") and message in lines[0]


def _issued_session(tmp_path: Path) -> tuple[dict[str, str], int, list[Certificate]]:
    """A scratch database with a two-person session whose certificates are issued."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    migrate.upgrade(url=url)
    engine = make_engine(url)
    with Session(bind=engine, expire_on_commit=False) as db:
        course = sync_demo_pack(db, tmp_path)
        session = make_documents_session(db, course, names=["Ada Lovelace", "李小龍"])
        version = session_version(db, session)
        people = db.scalars(
            select(User)
            .join(Enrollment, Enrollment.user_id == User.id)
            .where(Enrollment.session_id == session.id)
        ).all()
        issued = [
            certificates.issue_or_find(
                db,
                user=person,
                course_version=version,
                session=session,
                first_date=session.starts_on,
                last_date=session.ends_on,
            )[0]
            for person in people
        ]
        db.commit()
    engine.dispose()
    env = {"APEX_DATABASE_URL": url, "APEX_VAR_DIR": str(tmp_path / "var")}
    return env, session.id, issued


def test_certificates_write_the_batch_and_store_each_persons_file(tmp_path: Path) -> None:
    env, session_id, issued = _issued_session(tmp_path)
    out = tmp_path / "certificates.pdf"
    args = ("documents", "certificates", "--session", str(session_id), "--out", str(out))
    result = _apex(env, *args)
    assert result.returncode == 0, result.stderr
    assert page_count(out.read_bytes()) == 2
    # Each person's own file is stored where their download looks for it.
    for cert in issued:
        stored = tmp_path / "var" / "documents" / f"{certificate_render.inputs_hash(cert)}.pdf"
        assert stored.is_file(), cert.holder_name
        text = "\n".join(pages_text(stored.read_bytes()))
        assert cert.holder_name in text and cert.serial in text
        address = certificate_render.verification_url(cert.token)
        assert qr_text_in_pdf(stored.read_bytes()) == address


def test_certificates_to_a_folder_write_one_pdf_per_person(tmp_path: Path) -> None:
    env, session_id, issued = _issued_session(tmp_path)
    folder = tmp_path / "out" / "certificates"
    (tmp_path / "out").mkdir()
    args = ("documents", "certificates", "--session", str(session_id), "--out", str(folder))
    result = _apex(env, *args)
    assert result.returncode == 0, result.stderr
    assert "Wrote 2 certificates, one per person, to" in " ".join(result.stderr.split())
    expected = {f"{c.serial}-{c.holder_name.replace(' ', '-')}.pdf": c for c in issued}
    expected_names = {*expected, f"session-{session_id}.pdf"}
    assert {path.name for path in folder.iterdir()} == expected_names
    for name, cert in expected.items():
        pdf = (folder / name).read_bytes()
        assert page_count(pdf) == 1
        text = "\n".join(pages_text(pdf))
        assert cert.holder_name in text and cert.serial in text
    assert page_count((folder / f"session-{session_id}.pdf").read_bytes()) == 2
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    again = _apex(env, *args)  # a second run writes the same files
    assert again.returncode == 0, again.stderr
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x")
    refused = _apex(
        env, "documents", "certificates", "--session", str(session_id), "--out", str(a_file)
    )
    assert refused.returncode == 1
    assert "is a file; give a folder, or a name ending in .pdf." in " ".join(refused.stderr.split())
