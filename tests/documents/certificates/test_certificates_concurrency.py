"""Issuing under concurrency (PostgreSQL): one certificate per holder, unique serials.

Needs committed data and truly parallel transactions, so it runs on a scratch database
of its own. A second run switches the advisory lock off: the unique index on certificates
in force must then keep it to one, with every losing thread finding the winner's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app import migrate
from app.accounts.models import Role, User
from app.accounts.service import create_user
from app.config import PROJECT_ROOT
from app.content.models import CourseVersion
from app.content.sync import sync_folder
from app.db import make_engine
from app.documents.certificates import service as certificates
from app.documents.models import Certificate
from tests.pg import scratch_database

pytestmark = pytest.mark.postgres_only

THREADS = 8


def _in_parallel(factory: sessionmaker[Session], work: Callable[[Session, int], None]) -> None:
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        with factory() as db:
            try:
                barrier.wait()
                work(db, n)
                db.commit()
            except BaseException as exc:  # reported below, not lost in the thread
                db.rollback()
                errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


def test_concurrent_issuing(monkeypatch: pytest.MonkeyPatch) -> None:
    with scratch_database("apex_certs") as url:
        migrate.upgrade(url=url)
        engine = make_engine(url, pool_size=THREADS + 2)
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        try:
            with factory() as db:
                sync_folder(db, PROJECT_ROOT / "courses")
                people = [
                    create_user(
                        db,
                        email=f"holder{n}@example.com",
                        display_name=f"Holder {n}",
                        password="correct-horse-battery",
                        roles={Role.LEARNER},
                    ).id
                    for n in range(THREADS + 2)
                ]
                version_id = db.scalars(
                    select(CourseVersion.id).where(CourseVersion.is_current.is_(True))
                ).first()
                db.commit()

            real_lookup = certificates.live_certificate

            def slow_lookup(*args: object, **kwargs: object) -> Certificate | None:
                found = real_lookup(*args, **kwargs)  # type: ignore[arg-type]
                time.sleep(0.05)  # widen the gap between looking and inserting
                return found

            monkeypatch.setattr(certificates, "live_certificate", slow_lookup)

            def issue_for(user_id: int) -> Callable[[Session, int], None]:
                def work(db: Session, _n: int) -> None:
                    user = db.get(User, user_id)
                    version = db.get(CourseVersion, version_id)
                    assert user is not None and version is not None
                    certificates.issue_or_find(
                        db,
                        user=user,
                        course_version=version,
                        first_date=version.created_at.date(),
                        last_date=version.created_at.date(),
                    )[0]

                return work

            def count(db: Session, user_id: int) -> int:
                query = select(func.count()).where(Certificate.user_id == user_id)
                return db.scalar(query) or 0

            # Same holder from every thread: exactly one certificate.
            _in_parallel(factory, issue_for(people[0]))
            # Different holders at once: all issued, serials and tokens unique.
            _in_parallel(factory, lambda db, n: issue_for(people[2 + n])(db, n))
            with factory() as db:
                assert count(db, people[0]) == 1
                certs = db.scalars(select(Certificate)).all()
                assert len(certs) == 1 + THREADS
                assert len({c.serial for c in certs}) == len(certs)
                assert len({c.token for c in certs}) == len(certs)

            # Without the lock every thread looks, finds nothing and inserts: the unique
            # index on certificates in force refuses all but one, and each refused
            # thread takes the winner's certificate as already issued (no errors).
            monkeypatch.setattr(certificates, "_lock_holder", lambda *args: None)
            real_insert = certificates._insert_with_serial
            refused: list[int] = []

            def counting_insert(db: Session, cert: Certificate) -> None:
                try:
                    real_insert(db, cert)
                except IntegrityError:
                    refused.append(cert.user_id)
                    raise

            monkeypatch.setattr(certificates, "_insert_with_serial", counting_insert)
            _in_parallel(factory, issue_for(people[1]))
            with factory() as db:
                assert count(db, people[1]) == 1
            assert refused, "the threads did not race; the index was not exercised"
        finally:
            engine.dispose()
