"""Stored documents: named by their inputs, written atomically, served without rendering."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.config import get_settings
from app.documents.files import storage
from app.documents.pdf import engine
from app.documents.session_docs import packs
from app.documents.session_docs.packs import plan_document
from app.enrollment.models import Enrollment
from app.scheduling import sessions
from tests.content.packbuilder import minimal_pack
from tests.documents.helpers import make_documents_session, sync_demo_pack


def test_the_hash_covers_inputs_templates_and_paper(monkeypatch) -> None:
    base = storage.inputs_hash({"participants": ["Zoë Ødegård"]})
    assert base == storage.inputs_hash({"participants": ["Zoë Ødegård"]})
    assert base != storage.inputs_hash({"participants": ["Zoe Odegard"]})
    monkeypatch.setattr(storage, "design_hash", lambda: "another design")
    assert base != storage.inputs_hash({"participants": ["Zoë Ødegård"]})
    monkeypatch.undo()
    monkeypatch.setattr(get_settings(), "paper_size", "Letter")
    assert base != storage.inputs_hash({"participants": ["Zoë Ødegård"]})


def test_store_is_atomic_and_lookup_finds_it(documents_dir: Path) -> None:
    digest = storage.inputs_hash({"x": 1})
    assert storage.lookup(digest) is None
    path = storage.store(digest, b"%PDF-1.7 test")
    assert path == documents_dir / f"{digest}.pdf"
    assert storage.lookup(digest) == path and storage.read(digest) == b"%PDF-1.7 test"
    assert [p.name for p in documents_dir.iterdir()] == [path.name]  # no temporary file left


@pytest.mark.parametrize("digest", ["../../etc/passwd", "abc", "A" * 64, "0" * 63 + "/"])
def test_only_hashes_name_files(digest: str) -> None:
    with pytest.raises(ValueError):
        storage.path_for(digest)


def test_unchanged_inputs_are_served_without_rendering(
    db: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    course = sync_demo_pack(db, tmp_path)
    session = make_documents_session(db, course, names=["Ada Lovelace", "Grace Hopper"])
    renders: list[int] = []
    real = engine.render_document

    def counting(*args: object, **kwargs: object) -> object:
        renders.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "render_document", counting)

    first, rendered = packs.ensure_document(plan_document(db, session.id, packs.SESSION_PACK))
    assert rendered and len(renders) > 0
    count = len(renders)
    again, rendered_again = packs.ensure_document(plan_document(db, session.id, packs.SESSION_PACK))
    assert (again, rendered_again) == (first, False)
    assert len(renders) == count  # served from disk: no render at all

    # A name correction is a new file.
    person = db.scalars(
        select(User)
        .join(Enrollment, Enrollment.user_id == User.id)
        .where(Enrollment.session_id == session.id)
    ).first()
    assert person is not None
    person.display_name = person.display_name + " Jr."
    db.flush()
    corrected, rendered_corrected = packs.ensure_document(
        plan_document(db, session.id, packs.SESSION_PACK)
    )
    assert rendered_corrected and corrected != first
    assert len(renders) > count


def test_a_new_pack_version_is_a_new_file_once_the_session_moves_to_it(
    db: Session, tmp_path: Path
) -> None:
    course = sync_demo_pack(db, tmp_path)
    session = make_documents_session(db, course, names=["Ada Lovelace"])
    before = plan_document(db, session.id, packs.WORKBOOKS).digest
    changed = minimal_pack().edit("course.yaml", 'version: "1.0.0"', 'version: "1.1.0"')
    changed.edit(
        "modules/02-listening.md", "Listening is half the job.", "Listening is most of it."
    )
    sync_demo_pack(db, tmp_path, changed)
    # The session keeps the version it was created with until a coordinator moves it.
    pinned = plan_document(db, session.id, packs.WORKBOOKS)
    assert pinned.facts.course_version == "1.0.0"
    assert pinned.digest == before
    sessions.move_to_current_version(
        db, sessions.get_session(db, session.id), now=datetime(2026, 11, 1, tzinfo=UTC)
    )
    after = plan_document(db, session.id, packs.WORKBOOKS)
    assert after.facts.course_version == "1.1.0"
    assert after.digest != before


def test_editing_a_template_changes_the_design_hash(tmp_path: Path, monkeypatch) -> None:
    copy = tmp_path / "pdf"
    shutil.copytree(engine.TEMPLATES_DIR, copy)
    monkeypatch.setattr(engine, "TEMPLATES_DIR", copy)
    engine.design_hash.cache_clear()
    try:
        before = engine.design_hash()
        css = copy / "pdf.css"
        css.write_text(css.read_text() + "\n.extra { color: red; }\n")
        engine.design_hash.cache_clear()
        assert engine.design_hash() != before
    finally:
        monkeypatch.undo()
        engine.design_hash.cache_clear()
