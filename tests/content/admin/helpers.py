"""Building pack zips (honest and hostile) in memory, and counting what reached the database."""

from __future__ import annotations

import io
import stat
import struct
import zipfile
from collections.abc import Mapping

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts import service
from app.accounts.models import Role, User
from app.content.models import Course, CourseAsset, CourseModule, CourseVersion, PackReport
from tests.content.packbuilder import PackBuilder
from tests.factories import log_in, make_user

EPOCH = (2024, 1, 1, 0, 0, 0)


def zip_bytes(
    entries: Mapping[str, bytes | str],
    *,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """A zip holding ``entries`` exactly as named (no checks, so any name can be tried)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, content in entries.items():
            info = zipfile.ZipInfo(name, date_time=EPOCH)
            info.compress_type = compression
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            archive.writestr(info, content)
    return buffer.getvalue()


def zip_with_infos(entries: list[tuple[zipfile.ZipInfo, bytes | str]]) -> bytes:
    """A zip from hand-made entries (links, devices, encrypted flags, duplicate names)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info, content in entries:
            archive.writestr(info, content)
    return buffer.getvalue()


def special_entry(name: str, mode: int) -> zipfile.ZipInfo:
    """An entry whose Unix mode marks it as a link, device, pipe... (``mode`` has S_IF* bits)."""
    info = zipfile.ZipInfo(name, date_time=EPOCH)
    info.create_system = 3  # Unix, so the mode bits mean what they say
    info.external_attr = mode << 16
    return info


def patch_entry(data: bytes, name: str, *, field: str, value: int) -> bytes:
    """Overwrite one header field of ``name`` in both the local and central headers.

    ``field`` is "size" (uncompressed size, 4 bytes) or "flags" (general purpose bits, 2 bytes):
    the way a hostile tool would write what zipfile itself never would.
    """
    local_at, central_at, fmt = {"size": (22, 24, "<I"), "flags": (6, 8, "<H")}[field]
    patched = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        local = archive.getinfo(name).header_offset
    assert patched[local : local + 4] == b"PK\x03\x04"
    struct.pack_into(fmt, patched, local + local_at, value)
    encoded = name.encode()
    central = patched.find(b"PK\x01\x02")
    while central != -1:
        (name_len,) = struct.unpack_from("<H", patched, central + 28)
        if patched[central + 46 : central + 46 + name_len] == encoded:
            struct.pack_into(fmt, patched, central + central_at, value)
            return bytes(patched)
        central = patched.find(b"PK\x01\x02", central + 4)
    raise AssertionError(f"{name} not in the central directory")


def pack_zip(pack: PackBuilder, *, top: str | None = None) -> bytes:
    """The pack's files as a zip, at the root or inside one ``top`` folder."""
    prefix = f"{top}/" if top else ""
    return zip_bytes({prefix + rel: content for rel, content in pack.files.items()})


def row_counts(db: Session) -> dict[str, int]:
    """How many rows each content table holds."""
    tables = (Course, CourseVersion, CourseModule, CourseAsset, PackReport)
    return {
        table.__name__: db.scalar(select(func.count()).select_from(table)) or 0 for table in tables
    }


def user_with_token(db: Session, role: Role) -> tuple[User, dict[str, str]]:
    """A user holding ``role`` and the Authorization header of a fresh API token."""
    user = make_user(db, roles={role})
    token = service.issue_api_token(db, user)
    # An error response rolls the request's session back to the last commit; without this
    # one (which only releases the test's SAVEPOINT) it would take the user with it.
    db.commit()
    return user, {"Authorization": f"Bearer {token}"}


def log_in_as(client: TestClient, db: Session, role: Role) -> User:
    """Sign the client in as a new user holding ``role``."""
    user = make_user(db, roles={role})
    log_in(client, user.email)
    return user
