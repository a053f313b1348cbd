"""Statuses are typed: StrEnums stored as checked strings, listed in the API, never literals."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from app.documents.models import CertificateStatus, DocumentJob, JobStatus
from app.enrollment.models import EnrollmentStatus, InHouseRequestStatus
from app.payments.gateway import IntentStatus
from app.payments.models import OrderStatus, RefundStatus
from app.scheduling.models import SessionStatus

APP = Path(__file__).resolve().parents[1] / "app"
ENUMS: tuple[type[StrEnum], ...] = (
    EnrollmentStatus,
    OrderStatus,
    RefundStatus,
    SessionStatus,
    JobStatus,
    InHouseRequestStatus,
    CertificateStatus,
    IntentStatus,
)
STATUS_VALUES = frozenset(member.value for enum in ENUMS for member in enum)


# --- the API lists the values ------------------------------------------------------

# (response schema, its status field's enum) for every API shape with a status field.
API_STATUS_FIELDS = [
    ("SessionOut", SessionStatus),
    ("EnrollmentOut", EnrollmentStatus),
    ("SessionBriefOut", SessionStatus),
    ("JobOut", JobStatus),
]


def _resolve(schema: dict[str, object], components: dict[str, dict[str, object]]) -> object:
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return components[ref.rsplit("/", 1)[-1]]
    return schema


@pytest.mark.parametrize(("name", "enum"), API_STATUS_FIELDS)
def test_openapi_lists_the_status_values(app: FastAPI, name: str, enum: type[StrEnum]) -> None:
    document = app.openapi()
    assert app.openapi_url == "/api/v1/openapi.json"
    components = document["components"]["schemas"]
    field = _resolve(components[name]["properties"]["status"], components)
    assert isinstance(field, dict)
    assert field.get("enum") == [member.value for member in enum]


# --- no status literals in app/ ----------------------------------------------------


def _is_status_target(node: ast.expr) -> bool:
    """``status``, ``x.status``, ``order_status``: something that holds a status."""
    name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)
    return isinstance(name, str) and (name == "status" or name.endswith("_status"))


def _literals(node: ast.expr | None) -> Iterator[str]:
    """The status values written as string constants in ``node`` (or in a tuple/list/set)."""
    items = node.elts if isinstance(node, ast.Tuple | ast.List | ast.Set) else [node]
    for item in items:
        if isinstance(item, ast.Constant) and item.value in STATUS_VALUES:
            yield item.value


def _compare_hits(node: ast.Compare) -> Iterator[str]:
    operands = [node.left, *node.comparators]
    for op, left, right in zip(node.ops, operands, operands[1:], strict=False):
        if not isinstance(op, ast.Eq | ast.NotEq | ast.In | ast.NotIn):
            continue
        if _is_status_target(left):
            yield from _literals(right)
        if _is_status_target(right):
            yield from _literals(left)


def _assign_hits(targets: list[ast.expr], value: ast.expr | None) -> Iterator[str]:
    for target in targets:
        if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
            yield from _assign_hits(list(target.elts), None)
            for sub_target, sub_value in zip(target.elts, value.elts, strict=False):
                if _is_status_target(sub_target):
                    yield from _literals(sub_value)
        elif _is_status_target(target):
            yield from _literals(value)


def _call_hits(node: ast.Call) -> Iterator[str]:
    for keyword in node.keywords:
        if keyword.arg is not None and (keyword.arg == "status" or keyword.arg.endswith("_status")):
            yield from _literals(keyword.value)
    func = node.func
    # Model.status.in_(("paid", "refunded"))
    if not isinstance(func, ast.Attribute):
        return
    if func.attr in ("in_", "not_in", "notin_") and _is_status_target(func.value):
        for arg in node.args:
            yield from _literals(arg)


def _default_hits(node: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[str]:
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    pairs = list(
        zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True)
    )
    pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d]
    for arg, default in pairs:
        if arg.arg == "status" or arg.arg.endswith("_status"):
            yield from _literals(default)


def _dict_hits(node: ast.Dict) -> Iterator[str]:
    for key, value in zip(node.keys, node.values, strict=True):
        if isinstance(key, ast.Constant) and key.value == "status":
            yield from _literals(value)


def status_literals(source: str) -> list[tuple[int, str]]:
    """(line, value) for each status value written as a bare string where a status goes."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        hits: Iterator[str] = iter(())
        if isinstance(node, ast.Compare):
            hits = _compare_hits(node)
        elif isinstance(node, ast.Assign):
            hits = _assign_hits(node.targets, node.value)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            hits = _assign_hits([node.target], node.value)
        elif isinstance(node, ast.Call):
            hits = _call_hits(node)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            hits = _default_hits(node)
        elif isinstance(node, ast.Dict):
            hits = _dict_hits(node)
        found += [(getattr(node, "lineno", 0), value) for value in hits]
    return sorted(found)


FLAGGED_SAMPLE = """
if session.status == "cancelled": ...
if "paid" != order.status: ...
if job.status in ("queued", "running"): ...
enrollment.status = "confirmed"
status: str = "new"
job.status, job.error = "queued", ""
Order(user_id=1, status="open")
select(Order).where(Order.status.in_(["paid", "refunded"]))
def set_status(request_status: str = "answered") -> None: ...
body = {"status": "valid"}
"""

UNFLAGGED_SAMPLE = """
if session.status == SessionStatus.CANCELLED: ...
label = "cancelled" if status == EnrollmentStatus.CANCELLED else "expired"
if mode == "new": ...
response = {"state": "paid", "status": 200}
ICS_STATUS = "CONFIRMED"
Thing(status=502)
"""


def test_the_literal_lint_flags_status_literals() -> None:
    found = [value for _, value in status_literals(FLAGGED_SAMPLE)]
    assert found == [
        "cancelled", "paid", "queued", "running", "confirmed", "new", "queued",
        "open", "paid", "refunded", "answered", "valid",
    ]  # fmt: skip
    assert status_literals(UNFLAGGED_SAMPLE) == []


def test_no_status_literals_in_app() -> None:
    offenders = [
        f"{path.relative_to(APP.parent)}:{line}: {value!r}"
        for path in sorted(APP.rglob("*.py"))
        for line, value in status_literals(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "use the status StrEnum instead:\n" + "\n".join(offenders)


def test_no_alias_constants_for_statuses() -> None:
    # e.g. ``CONFIRMED = EnrollmentStatus.CONFIRMED.value`` or ``PAID = "paid"``
    offenders = []
    for path in sorted(APP.rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.Assign) or not all(
                isinstance(t, ast.Name) and t.id.isupper() for t in node.targets
            ):
                continue
            value = node.value
            aliased = isinstance(value, ast.Attribute) and value.attr == "value"
            if aliased or any(True for _ in _literals(value)):
                offenders.append(f"{path.relative_to(APP.parent)}:{node.lineno}")
    assert offenders == []


TEMPLATES = APP.parent / "templates"
# ``x.status == "paid"``, ``job.status in ('queued', ...)``: a page comparing with a string.
TEMPLATE_LITERAL = re.compile(r"\bstatus\s*(?:==|!=|\bin\b)\s*\(?\s*['\"](\w+)['\"]")


def test_pages_compare_statuses_with_the_enums() -> None:
    offenders = [
        f"{path.relative_to(TEMPLATES)}: {match[0]!r}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for match in TEMPLATE_LITERAL.finditer(path.read_text(encoding="utf-8"))
        if match[1] in STATUS_VALUES
    ]
    assert offenders == [], "compare with e.g. SessionStatus.CANCELLED:\n" + "\n".join(offenders)
    assert TEMPLATE_LITERAL.search("{% if job.status in ('queued', 'running') %}")


def test_pages_see_the_status_enums(app: FastAPI) -> None:
    from app.web import templates

    for enum in (SessionStatus, EnrollmentStatus, OrderStatus, JobStatus, CertificateStatus):
        assert templates.env.globals[enum.__name__] is enum
    page = templates.env.from_string("{{ s == SessionStatus.CANCELLED }}")
    assert page.render(s="cancelled") == "True"


# --- the database refuses unknown values ---------------------------------------------


def test_an_unknown_status_is_refused_on_write(db: Session) -> None:
    db.add(DocumentJob(kind="session_pack", status="finished"))
    with pytest.raises(StatementError) as caught:
        db.flush()
    assert isinstance(caught.value.orig, LookupError)
    db.rollback()
    assert db.scalar(select(DocumentJob).where(DocumentJob.kind == "session_pack")) is None


def test_a_status_reads_back_as_its_enum(db: Session) -> None:
    job = DocumentJob(kind="session_pack", status="queued")  # the value is accepted too
    db.add(job)
    db.flush()
    db.expire(job)
    assert job.status is JobStatus.QUEUED
    as_text: str = job.status
    assert as_text == "queued"  # and still equals its string (templates, JSON)
