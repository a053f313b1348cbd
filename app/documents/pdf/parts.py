"""Split a PDF as WeasyPrint builds it into pages, and write any pages as a PDF of their own.

Certificates are laid out and written as one PDF per batch, but each person also gets a
file of their own. Writing each page again through WeasyPrint would subset and embed the
fonts once per person (tens of milliseconds each); instead :func:`capture` takes the
objects WeasyPrint has built (a finisher runs just before it writes them), serialises
each once and records which objects each page needs. :func:`write_pdf` then writes a
valid PDF of any pages from those bytes, and parts of several batches (rendered by
different processes) combine into one file the same way. :meth:`Parts.write_single`
writes one page with only the fonts and forms that page draws.

Object references are stored as markers, not as numbers, so parts of different
batches can be renumbered without parsing PDF syntax: WeasyPrint writes a reference
as ``b"12 0 R"`` in a dictionary or array value (never inside a string), and that is
the only thing replaced.
"""

from __future__ import annotations

import contextlib
import re
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pydyf
from weasyprint import Document

_REFERENCE = re.compile(rb"(\d+) 0 R")
_MARKER = re.compile(rb"\x00(\d+)\x00")
# A name operand of a font (Tf) or XObject (Do) operator in a content stream.
_USES = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+(?:[-+\d.]+\s+Tf|Do)\b")

# (object numbers in order, objects rewritten for this file, all objects, page objects)
Group = tuple[Sequence[int], Mapping[int, bytes], Mapping[int, bytes], Sequence[int]]


@dataclass
class Parts:
    """Serialised objects of one PDF, and the objects each of its pages needs."""

    # object number -> serialised object (references as markers); streams' data apart
    objects: dict[int, bytes] = field(default_factory=dict)
    # page index -> (page object number, the objects it needs that not every page needs)
    pages: list[tuple[int, tuple[int, ...]]] = field(default_factory=list)
    # the objects every page needs (resources, fonts), written first
    shared: tuple[int, ...] = ()
    # page index -> (objects a PDF of that page alone needs, objects rewritten for it)
    singles: list[tuple[tuple[int, ...], dict[int, bytes]]] = field(default_factory=list)

    def write_single(self, index: int, *, info: Mapping[str, str]) -> bytes:
        """A PDF of one page with only the fonts and forms that page uses.

        The batch's resources list every font and frame of the batch; a person's file
        keeps those its page draws, so it does not carry the font of another script
        that only someone else's name needed.
        """
        numbers, rewritten = self.singles[index]
        return _assemble([(numbers, rewritten, self.objects, [self.pages[index][0]])], info)


class _Captured(Exception):
    """Raised by the finisher once the objects are taken: WeasyPrint need not write them."""


def _marked(value: Any) -> Any:
    """A copy of a dictionary/array value with references turned into markers."""
    if isinstance(value, pydyf.Dictionary | dict):
        return pydyf.Dictionary({key: _marked(item) for key, item in value.items()})
    if isinstance(value, pydyf.Array | list | tuple):
        return pydyf.Array([_marked(item) for item in value])
    number = _number(value)
    if number is not None:
        return b"\x00%d\x00" % number
    return value


def _number(value: Any) -> int | None:
    """The object number if ``value`` is a reference (``b"12 0 R"``), else None."""
    raw = value.encode("ascii", "replace") if isinstance(value, str) else value
    match = _REFERENCE.fullmatch(raw) if isinstance(raw, bytes) else None
    return int(match.group(1)) if match else None


def _item_bytes(item: Any) -> bytes:
    # As pydyf writes a stream's items (numbers without trailing zeros, objects inline).
    if isinstance(item, bytes):
        return item
    if isinstance(item, float):
        return str(int(item)).encode() if item.is_integer() else f"{item:f}".rstrip("0").encode()
    if isinstance(item, pydyf.Object):
        return item.data
    return str(item).encode("ascii")


def _stream_data(obj: pydyf.Stream) -> bytes:
    return b"\n".join(_item_bytes(item) for item in obj.stream)


def _serialise(obj: Any, raw: bytes | None = None) -> bytes:
    if isinstance(obj, pydyf.Stream):
        # The stream's data (compressed once here) is not searched for references.
        data = _stream_data(obj) if raw is None else raw
        extra = _marked(obj.extra)
        if obj.compress:
            extra["Filter"] = "/FlateDecode"
            data = zlib.compress(data, 6)
        extra["Length"] = len(data)
        return b"\n".join((extra.data, b"stream", data, b"endstream"))
    if isinstance(obj, pydyf.Dictionary | pydyf.Array):
        return _marked(obj).data
    return obj.data


def _references(serialised: bytes) -> set[int]:
    head = serialised.split(b"\nstream\n", 1)[0]
    return {int(number) for number in _MARKER.findall(head)}


def capture(pdf: pydyf.PDF) -> Parts:
    """Serialise a PDF's objects once and map each page to the objects it needs."""
    kids = pdf.pages["Kids"][::3]  # pydyf stores [number, 0, "R", number, 0, "R", ...]
    is_page = set(kids)
    skip = {pdf.pages.number, pdf.catalog.number}
    parts = Parts()
    links: dict[int, set[int]] = {}
    names: dict[int, set[bytes]] = {}  # stream -> resource names its operators use
    resources_of: dict[int, int] = {}  # page or form -> its resources dictionary
    contents: dict[int, int] = {}  # page -> its content stream
    by_number = {obj.number: obj for obj in pdf.objects}
    for obj in pdf.objects:
        if obj.number in skip or obj.free == "f":
            continue
        if obj.number in is_page:
            # The page's parent is the page tree each written file makes for itself.
            page = pydyf.Dictionary({k: v for k, v in obj.items() if k != "Parent"})
            serialised = b"<</Parent \x00P\x00" + _serialise(page)[2:]
            contents[obj.number] = _number(obj.get("Contents")) or 0
            resources_of[obj.number] = _number(obj.get("Resources")) or 0
        elif isinstance(obj, pydyf.Stream):
            raw = _stream_data(obj)
            names[obj.number] = set(_USES.findall(raw))
            serialised = _serialise(obj, raw)
            resources = _number(obj.extra.get("Resources"))
            if resources is not None:
                resources_of[obj.number] = resources
        else:
            serialised = _serialise(obj)
        parts.objects[obj.number] = serialised
        links[obj.number] = _references(serialised)

    def closure(start: int, rewritten: Mapping[int, bytes]) -> tuple[int, ...]:
        order: list[int] = []
        done: set[int] = set()
        todo = [start]
        while todo:
            number = todo.pop()
            if number in done or number in skip:
                continue
            done.add(number)
            order.append(number)
            found = _references(rewritten[number]) if number in rewritten else links[number]
            todo.extend(sorted(found, reverse=True))
        return tuple(order)

    needs = [closure(number, {}) for number in kids]
    common = set(needs[0]).intersection(*needs[1:]) if needs else set()
    parts.shared = tuple(n for n in needs[0] if n in common) if needs else ()
    parts.pages = [
        (number, tuple(n for n in need if n not in common))
        for number, need in zip(kids, needs, strict=True)
    ]
    pruned: dict[tuple[int, frozenset[bytes]], bytes] = {}
    for number in kids:
        used, dictionaries = _used_names(
            contents[number], resources_of[number], names, resources_of, by_number
        )
        rewritten: dict[int, bytes] = {}
        for dictionary, kind in dictionaries.items():
            key = (dictionary, frozenset(used))
            if key not in pruned:
                pruned[key] = _pruned(by_number[dictionary], used, kind)
            rewritten[dictionary] = pruned[key]
        parts.singles.append((closure(number, rewritten), rewritten))
    return parts


def _used_names(
    content: int,
    resources: int,
    names: Mapping[int, set[bytes]],
    resources_of: Mapping[int, int],
    objects: Mapping[int, Any],
) -> tuple[set[bytes], dict[int, str]]:
    """Names a page's operators use (its forms' too), and the dictionaries naming them.

    The dictionaries are the resources dictionaries met on the way (their "XObject"
    entries to prune) and the font dictionaries they refer to.
    """
    used: set[bytes] = set()
    dictionaries: dict[int, str] = {}
    todo = [(content, resources)]
    seen: set[int] = set()
    while todo:
        stream, resource_number = todo.pop()
        if stream in seen:
            continue
        seen.add(stream)
        used |= names.get(stream, set())
        resource_dict = objects.get(resource_number)
        if not isinstance(resource_dict, dict):
            continue
        dictionaries[resource_number] = "resources"
        font_dict = _number(resource_dict.get("Font"))
        if font_dict is not None:
            dictionaries[font_dict] = "fonts"
        for name, reference in (resource_dict.get("XObject") or {}).items():
            form = _number(reference)
            if name.encode() in used and form is not None and form in names:
                todo.append((form, resources_of.get(form, resource_number)))
    return used, dictionaries


def _pruned(dictionary: Any, used: set[bytes], kind: str) -> bytes:
    """A resources or font dictionary keeping only the names some operator uses."""
    if kind == "fonts":
        kept = {k: v for k, v in dictionary.items() if k.encode() in used}
        return _marked(pydyf.Dictionary(kept)).data
    copy = pydyf.Dictionary(dictionary)
    xobjects = copy.get("XObject")
    if isinstance(xobjects, dict):
        copy["XObject"] = pydyf.Dictionary(
            {k: v for k, v in xobjects.items() if k.encode() in used}
        )
    return _marked(copy).data


def render_parts(document: Document) -> Parts:
    """Write a laid-out document's pages (fonts subset once) and capture them as parts."""
    captured: list[Parts] = []

    def finisher(_document: Any, pdf: pydyf.PDF) -> None:
        captured.append(capture(pdf))
        raise _Captured

    with contextlib.suppress(_Captured):
        document.write_pdf(finisher=finisher)
    if not captured:
        raise RuntimeError("WeasyPrint wrote the PDF without calling the finisher")
    return captured[0]


def write_pdf(
    selection: Sequence[tuple[Parts, Sequence[int]]], *, info: Mapping[str, str]
) -> bytes:
    """One PDF of the chosen pages of one or more parts, in order (classic xref table)."""
    groups: list[Group] = []
    for parts, indexes in selection:
        numbers: list[int] = list(parts.shared)
        seen = set(numbers)
        for index in indexes:
            for number in parts.pages[index][1]:
                if number not in seen:
                    seen.add(number)
                    numbers.append(number)
        groups.append((numbers, {}, parts.objects, [parts.pages[i][0] for i in indexes]))
    return _assemble(groups, info)


def _assemble(groups: Sequence[Group], info: Mapping[str, str]) -> bytes:
    """Write objects as a PDF: per group, its objects (some rewritten) and its pages."""
    out = bytearray(b"%PDF-1.7\n%\xf0\x9f\x96\xa4\n")
    offsets: dict[int, int] = {}
    # 1: catalog, 2: page tree, 3: info; then each group's objects, renumbered past 3.
    next_number = 4
    page_numbers: list[int] = []
    body: list[tuple[int, bytes]] = []
    for numbers, rewritten, objects, pages in groups:
        mapping = {old: next_number + i for i, old in enumerate(numbers)}
        next_number += len(numbers)
        page_numbers.extend(mapping[number] for number in pages)
        rename = _renamer(mapping)
        body.extend((mapping[old], rename(rewritten.get(old) or objects[old])) for old in numbers)

    def emit(number: int, data: bytes) -> None:
        offsets[number] = len(out)
        out.extend(b"%d 0 obj\n" % number + data + b"\nendobj\n")

    emit(1, b"<</Type /Catalog /Pages 2 0 R>>")
    kids = b" ".join(b"%d 0 R" % n for n in page_numbers)
    emit(2, b"<</Type /Pages /Kids [" + kids + b"] /Count %d>>" % len(page_numbers))
    fields = b"".join(
        b"/" + key.encode("ascii") + b" " + pydyf.String(value).data for key, value in info.items()
    )
    emit(3, b"<<" + fields + b">>")
    for number, data in body:
        emit(number, data)
    xref = len(out)
    out.extend(b"xref\n0 %d\n0000000000 65535 f \n" % next_number)
    for number in range(1, next_number):
        out.extend(b"%010d 00000 n \n" % offsets[number])
    out.extend(b"trailer\n<</Size %d /Root 1 0 R /Info 3 0 R>>\n" % next_number)
    out.extend(b"startxref\n%d\n%%%%EOF\n" % xref)
    return bytes(out)


def _renamer(mapping: Mapping[int, int]) -> Callable[[bytes], bytes]:
    def replace(match: re.Match[bytes]) -> bytes:
        marker = match.group(1)
        return b"2 0 R" if marker == b"P" else b"%d 0 R" % mapping[int(marker)]

    pattern = re.compile(rb"\x00(\d+|P)\x00")

    def rename(data: bytes) -> bytes:
        head, sep, tail = data.partition(b"\nstream\n")
        return pattern.sub(replace, head) + sep + tail

    return rename
