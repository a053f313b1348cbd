"""Settings: the only place the environment is read (prefix ``APEX_``)."""

from __future__ import annotations

import re
import secrets
from email.utils import parseaddr
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every knob of the platform; read once from ``APEX_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="APEX_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    var_dir: Path = PROJECT_ROOT / "var"
    database_url: str = ""
    secret_key: str = ""
    # The public address for absolute links; empty: each request's own address (see
    # app/base_url.py, the one place links are built from).
    base_url: str = ""
    # Set by `apex serve` to the address it listens on, for links made outside a request.
    serve_url: str = ""
    redis_url: str = ""

    # Database pool and request concurrency. FastAPI runs a request's sync dependencies
    # and endpoint in separate worker-thread calls and the request keeps its connection in
    # between; admitting no more requests at once than there are connections means no
    # thread ever waits on the pool while a connection waits for a thread.
    db_pool_size: int = 10
    db_max_overflow: int = 10
    max_requests_in_flight: int = 20

    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    mail_from: str = "APEX <no-reply@apex.example.com>"
    # The domain of every Message-ID and of new calendar UIDs (RFC 5322 and 5545 want one
    # the sender controls); empty: the domain of mail_from's address.
    mail_domain: str = ""

    session_cookie_name: str = "apex_session"
    session_max_age_seconds: int = 14 * 24 * 3600
    password_reset_max_age_seconds: int = 3600

    # Login throttling: after `login_slowdown_after` failures each further failure is
    # answered late (a doubling delay from `login_delay_base_seconds`); after
    # `login_max_failures` in the window the account or address gets 429 until it ends.
    login_slowdown_after: int = 3
    login_delay_base_seconds: float = 0.25
    login_delay_max_seconds: float = 2.0
    login_max_failures: int = 10
    login_window_seconds: int = 15 * 60

    courses_dir: Path = PROJECT_ROOT / "courses"
    max_pack_upload_bytes: int = 10 * 1024 * 1024

    # Scheduling and enrolment.
    schedule_horizon_months: int = 12
    # The public date preview (/api/v1/series/preview) per client address and window.
    preview_requests_per_window: int = 120
    preview_window_seconds: int = 300
    hold_minutes: int = 30  # an unconfirmed seat is released after this
    waitlist_offer_hours: int = 48  # how long a freed seat waits for the first in line
    cancellation_cutoff_days: int = 7  # learners cancel or transfer until N days before
    reminder_days_before: int = 3
    # How often the in-process ticker expires holds/offers, runs go/no-go and reminders.
    ticker_seconds: int = 60
    run_ticker: bool = True
    # With Redis, each web process also runs a Dramatiq worker for document jobs.
    run_document_worker: bool = True
    # Documents.
    paper_size: Literal["A4", "Letter"] = "A4"
    # False: PDFs are made with WeasyPrint's public API only (app/documents/pdf/internals.py
    # unused): the same pages, slower, for a WeasyPrint version the internals do not know.
    pdf_use_internals: bool = True
    verify_lookups_per_window: int = 30  # certificate lookups per client per window
    verify_window_seconds: int = 300
    # Who issues invoice PDFs: name, address (one line per line) and tax id (shown if set).
    invoice_seller_name: str = "APEX Professional Skills Training"
    invoice_seller_address: str = "12 Example Street, Suite 400\nSpringfield, IL 62701, USA"
    invoice_seller_tax_id: str = ""
    # How to pay an invoice, printed on it while it is due (one line per line); the
    # invoice adds "Quote <its number> with your payment." itself.
    invoice_payment_instructions: str = (
        "Pay by bank transfer by the due date, to the account named in your customer "
        "agreement.\nFor our bank details or any question about this invoice, write to "
        "accounts@apex.example.com."
    )

    # Payments. Without a Stripe secret key the invoice provider is the only one, so the
    # platform runs offline; with one, card payments go through Stripe PaymentIntents.
    currency: str = "USD"
    stripe_secret_key: str = ""
    stripe_publishable_key: str = ""
    stripe_webhook_secret: str = ""
    stripe_api_base: str = "https://api.stripe.com"
    stripe_js_url: str = "https://js.stripe.com/v3/"
    stripe_timeout_seconds: float = 20.0
    # Learner cancellations: "days before start:percent refunded", most generous first;
    # courses and sessions may set their own (apex payments policy).
    refund_policy: str = "14:100,7:50"
    invoice_due_days: int = 30

    load_demo_data: bool = True

    # Test-only knobs live here too, so nothing reads os.environ behind Settings' back.
    require_services: bool = False
    test_database_url: str = ""
    test_redis_url: str = ""

    secure_cookies: bool = Field(default=False)

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.var_dir / 'apex.db'}"
        if self.base_url.startswith("https://"):
            self.secure_cookies = True
        self.mail_domain = _mail_domain(self.mail_domain or parseaddr(self.mail_from)[1])
        return self

    @property
    def documents_dir(self) -> Path:
        """Generated PDFs, named by a hash of their inputs."""
        return self.var_dir / "documents"

    @property
    def outbox_dir(self) -> Path:
        """Where mail goes as .eml files when no SMTP host is configured."""
        return self.var_dir / "outbox"


# A host name: dot-separated labels of letters, digits and inner hyphens. At most 58
# characters, so the longest UID ("session-<32 hex>@" and the domain) fits its column.
_DOMAIN = re.compile(r"(?=.{1,58}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


def _mail_domain(value: str) -> str:
    """The domain of ``value`` (an address or a bare domain), checked and lowercased."""
    domain = value.rpartition("@")[2].strip().lower()
    if not _DOMAIN.fullmatch(domain):
        raise ValueError(
            f"APEX_MAIL_DOMAIN (or the domain of APEX_MAIL_FROM) {domain!r} is not a host "
            "name of at most 58 characters, such as apex.example.com"
        )
    return domain


class ConfigurationError(RuntimeError):
    """The settings cannot run the app; the message says what to set."""


def resolve_secret_key(settings: Settings) -> str:
    """Return the secret key, generating a development one into ``var/`` once."""
    if settings.secret_key:
        return settings.secret_key
    if settings.env == "production":
        raise ConfigurationError(
            "APEX_SECRET_KEY is not set: production refuses to start without a secret key "
            '(generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))")'
        )
    key_file = settings.var_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings instance."""
    return Settings()
