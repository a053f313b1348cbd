"""``apex documents``: make a session's print pack, workbooks or certificates from the command line.

Runs the same job code as the web page, in this process, with a Rich progress bar; the
job is recorded in the database like any other.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app.documents.models import JobStatus
from app.errors import AppError

documents_cli = typer.Typer(
    help="Print documents: session print packs, participant workbooks, certificates.",
    no_args_is_help=True,
)
console = Console(stderr=True)

SessionOption = Annotated[int, typer.Option("--session", help="The session's id.")]
OutOption = Annotated[Path, typer.Option("--out", help="Where to write the PDF.")]


def make_to_file(session_id: int, kind: str, out: Path) -> Path:
    """Run a document job for the session now and copy its PDF to ``out``."""
    from app.documents.files import storage
    from app.documents.session_docs import jobs

    if out.is_dir():
        raise AppError(f"{out} is a folder; give a file name, e.g. {out / 'pack.pdf'}.")
    if not out.parent.is_dir():
        raise AppError(f"The folder {out.parent} does not exist.")
    with jobs.default_scope() as db:
        job_id = jobs.start_job(db, kind=kind, session_id=session_id, user=None).id
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(f"Making the {kind.replace('_', ' ')}", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        outcome = jobs.run_job(jobs.default_scope, job_id, on_progress=progress)
    if outcome.status != JobStatus.DONE or outcome.inputs_hash is None:
        raise AppError(outcome.error or "The document could not be made.")
    shutil.copyfile(storage.path_for(outcome.inputs_hash), out)
    how = "rendered" if outcome.rendered else "unchanged, taken from storage"
    console.print(f"Wrote {out} ({out.stat().st_size // 1024} KiB, {how}).", highlight=False)
    return out


@documents_cli.command("pack")
def pack(session: SessionOption, out: OutOption) -> None:
    """The session's print pack: guide, sign-in sheet, name tents, workbooks, certificates."""
    make_to_file(session, "session_pack", out)


@documents_cli.command("workbooks")
def workbooks(session: SessionOption, out: OutOption) -> None:
    """Every confirmed participant's personalised workbook, in one PDF."""
    make_to_file(session, "workbooks", out)


CertificatesOut = Annotated[
    Path,
    typer.Option(
        "--out",
        help="A folder: one PDF per person plus all of them in one file. "
        "A name ending in .pdf: all of them in that one file.",
    ),
]


@documents_cli.command("certificates")
def certificates(session: SessionOption, out: CertificatesOut) -> None:
    """The session's certificates in force: a PDF per person in a folder, or one PDF."""
    if out.suffix.lower() == ".pdf":
        make_to_file(session, "certificates", out)
        return
    write_certificates_folder(session, out)


def write_certificates_folder(session_id: int, folder: Path) -> list[Path]:
    """Run the certificates job, then copy each person's stored file into ``folder``.

    The folder is created if its parent exists. Files are named by serial and holder, so
    a folder written twice holds the same files (a re-issued certificate has a new serial).
    """
    from app.documents.certificates import render as certificate_render
    from app.documents.session_docs import facts, jobs

    if folder.exists() and not folder.is_dir():
        raise AppError(f"{folder} is a file; give a folder, or a name ending in .pdf.")
    if not folder.parent.is_dir():
        raise AppError(f"The folder {folder.parent} does not exist.")
    folder.mkdir(exist_ok=True)
    combined = make_to_file(session_id, "certificates", folder / f"session-{session_id}.pdf")
    written = [combined]
    with jobs.default_scope() as db:
        for cert in facts.session_certificates(db, session_id):
            target = folder / f"{cert.serial}-{_file_name(cert.holder_name)}.pdf"
            # Stored by the job's batch; rendered here only if it was removed since.
            shutil.copyfile(certificate_render.certificate_file(cert), target)
            written.append(target)
    console.print(
        f"Wrote {len(written) - 1} certificates, one per person, to {folder}/.", highlight=False
    )
    return written


def _file_name(name: str) -> str:
    """A holder's name as a file-name part: letters of any script kept, the rest as '-'."""
    kept = "".join(ch if ch.isalnum() else "-" for ch in name)
    return "-".join(part for part in kept.split("-") if part)[:60] or "certificate"
