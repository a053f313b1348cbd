"""Generated files under ``var/documents/``, each named by the sha256 of its inputs.

The same inputs always name the same file, so an unchanged document is served from disk
without rendering; any change to what it shows (a corrected name, a new pack version,
another template version) names a new file. Writes go to a temporary file in the same
folder and are renamed into place, so a reader never sees half a file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.config import get_settings
from app.documents.pdf.engine import design_hash, paper

_HASH = re.compile(r"[0-9a-f]{64}")


def inputs_hash(inputs: Mapping[str, Any]) -> str:
    """The sha256 of a document's inputs (canonical JSON), with the templates and paper."""
    payload = {"design": design_hash(), "paper": paper().name, **inputs}
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def documents_dir() -> Path:
    """The folder of stored documents (``APEX_VAR_DIR``/documents)."""
    return get_settings().documents_dir


def path_for(digest: str) -> Path:
    """Where the file named by ``digest`` lives; refuses anything but a sha256 hex digest."""
    if not _HASH.fullmatch(digest):
        raise ValueError(f"not a document hash: {digest[:80]!r}")
    return documents_dir() / f"{digest}.pdf"


def lookup(digest: str) -> Path | None:
    """The stored file for ``digest``, or None when it has not been made (or was removed)."""
    path = path_for(digest)
    return path if path.is_file() else None


def store(digest: str, data: bytes) -> Path:
    """Store ``data`` under ``digest`` atomically (temporary file, then rename)."""
    return write_atomically(path_for(digest), data)


def write_atomically(path: Path, data: bytes) -> Path:
    """Write a file so a reader sees all of it or none (for workers given a path)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pdf")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def read_if_stored(digest: str) -> bytes | None:
    """The bytes of a stored file, or None when it is not there (one open, no stat).

    For the hot path of a repeated download: plain ``os.path`` and a single open cost
    a fraction of :func:`lookup` then :func:`read` (pathlib objects and a stat).
    """
    if not _HASH.fullmatch(digest):
        raise ValueError(f"not a document hash: {digest[:80]!r}")
    try:
        with open(os.path.join(documents_dir(), f"{digest}.pdf"), "rb") as stored:
            return stored.read()
    except FileNotFoundError:
        return None


def read(digest: str) -> bytes:
    """The bytes of a stored file; ``FileNotFoundError`` when it is not there."""
    return path_for(digest).read_bytes()
