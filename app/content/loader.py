"""Reading a content pack folder into models, module bodies and file bytes."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from app.content.blocks import Segment, parse_blocks
from app.content.checks import check_formats, check_knowledge_checks, check_module_ids
from app.content.checks_timing import check_credits
from app.content.draft import ModuleDraft, PackDraft
from app.content.packformat import MODULE_FILE_RE, CourseSpec, ModuleMeta, is_valid_id
from app.content.problems import PackError, Problem, sort_problems
from app.content.validator_markdown import check_module_markdown
from app.content.yamlsource import parse_yaml, validate_model

__all__ = [
    "LoadedModule",
    "LoadedPack",
    "PackError",
    "Segment",
    "content_hash",
    "inspect_pack",
    "load_pack",
    "parse_blocks",
]

COURSE_FILE = "course.yaml"
MODULES_DIR = "modules"
# Files checked for UTF-8; anything else (PNG, JPEG, PDF) is a binary asset.
TEXT_SUFFIXES = frozenset({".md", ".markdown", ".yaml", ".yml", ".svg", ".txt", ".csv"})


@dataclass(frozen=True)
class LoadedModule:
    """A valid module: id from the file name, front matter, and the Markdown body."""

    id: str
    path: str  # relative to the pack, e.g. "modules/01-two-jobs.md"
    meta: ModuleMeta
    body: str
    body_line: int  # file line of the body's first line


@dataclass(frozen=True)
class LoadedPack:
    """A pack without errors; `warnings` holds what the validator would still mention."""

    root: Path
    course: CourseSpec
    modules: tuple[LoadedModule, ...]
    files: Mapping[str, bytes]  # every pack file, by relative POSIX path
    content_hash: str
    warnings: tuple[Problem, ...] = ()


def content_hash(files: Mapping[str, bytes]) -> str:
    """SHA-256 (hex) over the sorted relative paths and bytes, each length-prefixed."""
    digest = hashlib.sha256()
    for rel in sorted(files):
        name, data = rel.encode("utf-8"), files[rel]
        # Length prefixes keep ("a", "bc") and ("ab", "c") from hashing alike.
        digest.update(len(name).to_bytes(8, "big") + name)
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def _read_files(draft: PackDraft) -> None:
    def failed(error: OSError) -> None:
        draft.report(_relative(draft, error.filename), 0, f"cannot read: {error.strerror}")

    def refuse_link(path: Path) -> bool:
        # A link could expose any file on the server as a pack asset.
        if path.is_symlink():
            draft.report(
                path.relative_to(draft.root).as_posix(), 1, "symbolic links are not allowed"
            )
            return True
        return False

    for folder, dirs, names in os.walk(draft.root, onerror=failed):
        here = Path(folder)
        # Hidden files (.git, .DS_Store) are editor and VCS noise, not pack content.
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not refuse_link(here / d))
        for name in sorted(names):
            full = here / name
            rel = full.relative_to(draft.root).as_posix()
            if name.startswith(".") or refuse_link(full):
                continue
            if not full.is_file():
                draft.report(rel, 1, "not a regular file")
                continue
            try:
                draft.files[rel] = full.read_bytes()
            except OSError as error:
                draft.report(rel, 0, f"cannot read: {error.strerror}")


def _relative(draft: PackDraft, filename: object) -> str:
    try:
        return Path(str(filename)).relative_to(draft.root).as_posix()
    except ValueError:
        return ""


def _decode_texts(draft: PackDraft) -> None:
    for rel, data in draft.files.items():
        if PurePosixPath(rel).suffix.lower() not in TEXT_SUFFIXES:
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data.count(b"\n", 0, error.start) + 1
            byte = data[error.start]
            draft.report(rel, line, f"file is not UTF-8 text (byte 0x{byte:02x} cannot be decoded)")
            continue
        # Editors on Windows may add a byte-order mark and CRLF line ends; neither matters.
        draft.texts[rel] = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _read_course(draft: PackDraft) -> None:
    if COURSE_FILE not in draft.files:
        draft.report(COURSE_FILE, 0, "missing course.yaml: every pack needs one")
        return
    text = draft.texts.get(COURSE_FILE)
    if text is None:
        return
    data, locator, issues = parse_yaml(text)
    for line, message in issues:
        draft.report(COURSE_FILE, line, message)
    if data is None and not issues:
        draft.report(COURSE_FILE, 1, "course.yaml is empty")
    if data is None:
        return
    draft.course_data, draft.course_locator = data, locator
    draft.course, problems = validate_model(CourseSpec, data, locator)
    for line, message in problems:
        draft.report(COURSE_FILE, line, message)


def _read_module(draft: PackDraft, rel: str) -> ModuleDraft:
    name = PurePosixPath(rel).name
    match = MODULE_FILE_RE.fullmatch(name)
    module = ModuleDraft(rel, match.group(2) if match and is_valid_id(match.group(2)) else None)
    if module.id is None:
        draft.report(
            rel, 1, "module file name must be NN-slug.md with a lowercase slug, e.g. 01-two-jobs.md"
        )
    text = draft.texts.get(rel)
    if text is None:
        return module
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        draft.report(rel, 1, "missing front matter: start the file with a '---' line, YAML, '---'")
        return module
    close = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
    if close is None:
        draft.report(rel, 1, "front matter is never closed with a '---' line")
        return module
    module.body = "\n".join(lines[close + 1 :])
    module.body_line = close + 2
    data, locator, issues = parse_yaml("\n".join(lines[1:close]), line_offset=1)
    for line, message in issues:
        draft.report(rel, line, message)
    if data is None and not issues:
        draft.report(rel, 1, "front matter is empty")
    if data is not None:
        module.locator = locator
        module.meta, problems = validate_model(ModuleMeta, data, locator)
        for line, message in problems:
            draft.report(rel, line, message)
    return module


def _read_modules(draft: PackDraft) -> None:
    prefix = MODULES_DIR + "/"
    rels = sorted(
        rel
        for rel in draft.files
        if rel.startswith(prefix) and "/" not in rel[len(prefix) :] and rel.endswith(".md")
    )
    if not rels:
        draft.report(MODULES_DIR, 0, "no modules: add files named modules/NN-slug.md")
    draft.modules = [_read_module(draft, rel) for rel in rels]


def inspect_pack(path: Path) -> PackDraft:
    """Read one pack folder and run every check; never raises."""
    draft = PackDraft(Path(path))
    try:
        if not draft.root.is_dir():
            draft.report("", 0, "not a folder")
            return draft
        _read_files(draft)
        _decode_texts(draft)
        _read_course(draft)
        _read_modules(draft)
        check_module_ids(draft)
        check_formats(draft)
        check_credits(draft)
        for module in draft.modules:
            check_knowledge_checks(draft, module)
            check_module_markdown(draft, module)
    except Exception as error:
        # A checker bug must surface as a problem line, not a traceback in an author's terminal.
        draft.report("", 0, f"internal error while checking this pack: {error!r}")
    draft.problems = sort_problems(draft.problems)
    return draft


def load_pack(path: Path) -> LoadedPack:
    """Load a pack folder; raises PackError (and nothing else) when the pack has errors."""
    draft = inspect_pack(path)
    if draft.has_errors or draft.course is None:
        raise PackError(draft.problems)
    modules: list[LoadedModule] = []
    for module in draft.modules:
        if module.id is None or module.meta is None or module.body is None:
            raise PackError(draft.problems)  # unreachable: each case was reported as an error
        modules.append(
            LoadedModule(module.id, module.path, module.meta, module.body, module.body_line)
        )
    return LoadedPack(
        root=draft.root,
        course=draft.course,
        modules=tuple(modules),
        files=dict(draft.files),
        content_hash=content_hash(draft.files),
        warnings=tuple(draft.problems),
    )
