"""The ``apex`` command. Every subcommand parses its arguments and calls a service."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from app import migrate, wiring
from app.config import ConfigurationError, get_settings, resolve_secret_key
from app.db import transaction
from app.documents.cli import documents_cli
from app.errors import AppError
from app.payments.cli import payments_cli
from app.scheduling.cli import schedule_cli

if TYPE_CHECKING:
    from app.content.sync import SyncResult

cli = typer.Typer(
    help="APEX course delivery platform.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_cli = typer.Typer(help="Database migrations.", no_args_is_help=True)
users_cli = typer.Typer(help="Accounts and API tokens.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
packs_cli = typer.Typer(help="Content packs: validate and load courses.", no_args_is_help=True)
cli.add_typer(users_cli, name="users")
cli.add_typer(packs_cli, name="packs")
cli.add_typer(schedule_cli, name="schedule")
cli.add_typer(documents_cli, name="documents")
cli.add_typer(payments_cli, name="payments")

console = Console()


@cli.callback()
def _wire_features() -> None:
    """Connect the features' hooks before any subcommand runs (as the web app does)."""
    wiring.wire()


@db_cli.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply migrations (default: all of them)."""
    migrate.upgrade(revision)
    console.print(f"Database is at {revision}.")


@db_cli.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision, e.g. -1 or base.")] = "-1",
) -> None:
    """Undo migrations (default: the latest one)."""
    migrate.downgrade(revision)
    console.print(f"Database downgraded to {revision}.")


@users_cli.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="E-mail address (the login).")],
    name: Annotated[str, typer.Option(help="Display name.")],
    role: Annotated[
        list[str], typer.Option(help="Role: learner, facilitator, coordinator or admin.")
    ],
    password: Annotated[
        str | None, typer.Option(help="Password; a random one is generated and printed if omitted.")
    ] = None,
) -> None:
    """Create an account with one or more roles."""
    import secrets

    from app.accounts import service

    roles = service.parse_roles(role)
    chosen = password or secrets.token_urlsafe(12)
    with transaction() as db:
        user = service.create_user(db, email=email, display_name=name, password=chosen, roles=roles)
        console.print(f"Created {user.email} ({', '.join(sorted(r.value for r in roles))}).")
    if password is None:
        console.print(f"Password: {chosen}")


@users_cli.command("token")
def users_token(
    email: Annotated[str, typer.Argument(help="E-mail address of the account.")],
    name: Annotated[str, typer.Option(help="A label for the token.")] = "cli",
) -> None:
    """Print a new personal API token for an account."""
    from app.accounts import service

    with transaction() as db:
        user = service.find_user_by_email(db, email)
        if user is None:
            raise AppError(f"No account uses {email!r}.")
        token = service.issue_api_token(db, user, name=name)
    # Only the token on stdout, so scripts can capture it.
    print(token)


@packs_cli.command("validate")
def packs_validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Pack folders or folders of packs (default: the courses folder)."),
    ] = None,
) -> None:
    """Check packs; print every problem as path:line: message; exit 1 on any error."""
    from app.content.validator import main as validate_main

    targets = [str(path) for path in paths] if paths else [str(_courses_dir_for_display())]
    code = validate_main(targets)
    if code:
        raise typer.Exit(code)


@packs_cli.command("sync")
def packs_sync(
    path: Annotated[
        Path | None, typer.Argument(help="Folder of packs (default: the courses folder).")
    ] = None,
) -> None:
    """Load packs into the database (each whole or not at all); exit 1 if any failed."""
    result = _sync(path or get_settings().courses_dir)
    if not result.ok:
        raise typer.Exit(1)


def _courses_dir_for_display() -> Path:
    courses = get_settings().courses_dir
    try:
        return courses.relative_to(Path.cwd())
    except ValueError:
        return courses


def _sync(root: Path) -> SyncResult:
    from app.content.sync import sync_folder

    if not root.is_dir():
        raise AppError(f"{root} is not a folder of content packs.")
    started = time.perf_counter()
    with transaction() as db:
        result = sync_folder(db, root)
    elapsed = time.perf_counter() - started
    for label in result.loaded:
        console.print(f"loaded     {label}", highlight=False)
    for label in result.unchanged:
        console.print(f"unchanged  {label}", highlight=False)
    for source, lines in result.failed.items():
        console.print(f"[red]FAILED[/red]     {source}:", highlight=False)
        for line in lines:
            console.print(f"  {line}", highlight=False, markup=False)
    console.print(
        f"{len(result.loaded)} loaded, {len(result.unchanged)} unchanged, "
        f"{len(result.failed)} failed in {elapsed:.2f} s",
        highlight=False,
    )
    return result


@cli.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
) -> None:
    """Serve the platform: load the course packs; in development also migrate and load demo data."""
    import uvicorn

    from app.base_url import record_serve_address

    settings = get_settings()
    resolve_secret_key(settings)
    # First: the demo bookings below already send mail with links in it.
    record_serve_address(host, port)
    if settings.env == "production" and not settings.base_url:
        # Without it, reset links would follow each request's Host header, which the
        # client chooses: a forged host would put an attacker's address in the e-mail.
        raise ConfigurationError(
            "APEX_BASE_URL is not set: production refuses to start without the public "
            "address links in e-mails and documents point at (e.g. https://apex.example.com)"
        )
    if settings.env != "production":
        migrate.upgrade()
    # Packs load before the workers start, so several workers never race to load them.
    if settings.courses_dir.is_dir():
        _sync(settings.courses_dir)
    if settings.env != "production" and settings.load_demo_data:
        _load_and_print_demo()
    console.print(f"APEX is serving on http://{host}:{port}  (Ctrl+C stops it)")
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        log_level="info",
    )


def _load_and_print_demo() -> None:
    from app.demo import DEMO_ACCOUNTS, load_demo_data

    with transaction() as db:
        created = load_demo_data(db)
    heading = "Demo accounts" + (" (created now)" if created else "")
    console.print(f"[bold]{heading}[/bold] — sign in at /login with:")
    width = max(len(account.role) for account in DEMO_ACCOUNTS)
    for account in DEMO_ACCOUNTS:
        # Plain lines, not a table, so nothing is truncated in a narrow terminal.
        console.print(
            f"  {account.role:<{width}}  {account.email}  {account.password}",
            highlight=False,
            soft_wrap=True,
        )


def main() -> None:
    """Entry point: one-line errors and a non-zero exit instead of tracebacks."""
    try:
        result = cli(standalone_mode=False)
    except typer.Abort:
        print("apex: aborted", file=sys.stderr)
        raise SystemExit(130) from None
    except typer.TyperException as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":
            raise SystemExit(2) from None  # help was printed; nothing else to say
        context = getattr(exc, "ctx", None)
        hint = f" (see '{context.command_path} --help')" if context is not None else ""
        print(f"apex: error: {exc.format_message()}{hint}", file=sys.stderr)
        raise SystemExit(getattr(exc, "exit_code", 2) or 2) from None
    except (AppError, ConfigurationError) as exc:
        print(f"apex: error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    if isinstance(result, int) and result:
        raise SystemExit(result)
