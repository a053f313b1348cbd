"""A pack that points at the network or at local files renders without fetching either."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from app.documents.session_docs import packs
from tests.content.packbuilder import minimal_pack
from tests.documents.helpers import (
    PNG_1PX,
    Canary,
    make_documents_session,
    pages_text,
    sync_demo_pack,
)


def test_pack_images_from_the_network_or_disk_are_never_fetched(
    db: Session, tmp_path: Path, canary: Canary
) -> None:
    hostile = (
        minimal_pack()
        .set("assets/dot.png", PNG_1PX)
        .edit(
            "modules/01-two-jobs.md",
            "![Diagram](assets/diagram.svg)",
            "![Diagram](assets/diagram.svg)\n\n"
            "![Dot](assets/dot.png)\n\n"
            f'<img src="{canary.url}/canary" alt="canary">\n\n'
            '<img src="file:///etc/passwd" alt="passwd">\n\n'
            f"![Markdown canary]({canary.url}/markdown-canary)\n\n"
            "Canary paragraph.",
        )
    )
    course = sync_demo_pack(db, tmp_path, hostile)
    session = make_documents_session(db, course, names=["Ada Lovelace"])
    pdf = packs.build(packs.plan_document(db, session.id, packs.SESSION_PACK))

    assert canary.requests == []
    text = "\n".join(pages_text(pdf))
    assert "Canary paragraph." in text  # the module rendered
    assert "root:" not in text and b"root:x:" not in pdf
    # The pack's own image is embedded (once per use); nothing else is.
    assert pdf.count(b"/Subtype /Image") >= 1
