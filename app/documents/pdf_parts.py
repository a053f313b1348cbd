"""Split a PDF as WeasyPrint builds it into pages, and write any pages as a PDF of their own.

Certificates are laid out and written as one PDF per batch, but each person also gets a
file of their own. Writing each page again through WeasyPrint would subset and embed the
fonts once per person (tens of milliseconds each); instead :func:`capture` takes the
objects WeasyPrint has built (a finisher runs just before it writes them), serialises
each once and records which objects each page needs. :meth:`Parts.write` then writes a
valid PDF of any pages from those bytes, sharing the fonts of the whole batch; parts of
several batches (rendered by different processes) combine into one file the same way.

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


@dataclass
class Parts:
    """Serialised objects of one PDF, and the objects each of its pages needs."""

    # object number -> serialised object (references as markers); streams' data apart
    objects: dict[int, bytes] = field(default_factory=dict)
    # page index -> (page object number, numbers of every object it needs, itself included)
    pages: list[tuple[int, tuple[int, ...]]] = field(default_factory=list)
    # the objects every page needs (resources, fonts), written first
    shared: tuple[int, ...] = ()

    def write(
        self,
        page_indexes: Sequence[int] | None = None,
        *,
        info: Mapping[str, str] | None = None,
        others: Sequence[tuple[Parts, Sequence[int]]] = (),
    ) -> bytes:
        """A PDF of some pages (all by default), followed by pages of other parts."""
        chosen = [(self, list(range(len(self.pages))) if page_indexes is None else page_indexes)]
        return write_pdf([*chosen, *others], info=info or {})


class _Captured(Exception):
    """Raised by the finisher once the objects are taken: WeasyPrint need not write them."""


def _marked(value: Any) -> Any:
    """A copy of a dictionary/array value with references turned into markers."""
    if isinstance(value, pydyf.Dictionary | dict):
        copy = pydyf.Dictionary({key: _marked(item) for key, item in value.items()})
        return copy
    if isinstance(value, pydyf.Array | list | tuple) and not isinstance(value, bytes | str):
        return pydyf.Array([_marked(item) for item in value])
    if isinstance(value, bytes | str):
        raw = value.encode("ascii") if isinstance(value, str) else value
        match = _REFERENCE.fullmatch(raw)
        if match:
            return b"\x00" + match.group(1) + b"\x00"
    return value


def _item_bytes(item: Any) -> bytes:
    # As pydyf writes a stream's items (numbers without trailing zeros, objects inline).
    if isinstance(item, bytes):
        return item
    if isinstance(item, float):
        return str(int(item)).encode() if item.is_integer() else f"{item:f}".rstrip("0").encode()
    if isinstance(item, pydyf.Object):
        return item.data
    return str(item).encode("ascii")


def _serialise(obj: Any) -> bytes:
    if isinstance(obj, pydyf.Stream):
        # The stream's data (compressed once here) is not searched for references.
        data = b"\n".join(_item_bytes(item) for item in obj.stream)
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
    for obj in pdf.objects:
        if obj.number in skip or obj.free == "f":
            continue
        if obj.number in is_page:
            # The page's parent is the page tree each written file makes for itself.
            page = pydyf.Dictionary({k: v for k, v in obj.items() if k != "Parent"})
            serialised = b"<</Parent \x00P\x00" + _serialise(page)[2:]
        else:
            serialised = _serialise(obj)
        parts.objects[obj.number] = serialised
        links[obj.number] = _references(serialised)

    def closure(start: int) -> tuple[int, ...]:
        seen: list[int] = []
        todo = [start]
        while todo:
            number = todo.pop()
            if number in seen or number in skip:
                continue
            seen.append(number)
            todo.extend(sorted(links.get(number, ()), reverse=True))
        return tuple(seen)

    needs = [closure(number) for number in kids]
    common = set(needs[0]).intersection(*needs[1:]) if needs else set()
    parts.shared = tuple(n for n in needs[0] if n in common) if needs else ()
    parts.pages = [
        (number, tuple(n for n in need if n not in common))
        for number, need in zip(kids, needs, strict=True)
    ]
    return parts


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


def _pdf_string(text: str) -> bytes:
    return pydyf.String(text).data


def write_pdf(
    selection: Sequence[tuple[Parts, Sequence[int]]], *, info: Mapping[str, str]
) -> bytes:
    """One PDF of the chosen pages of one or more parts, in order (classic xref table)."""
    out = bytearray(b"%PDF-1.7\n%\xf0\x9f\x96\xa4\n")
    offsets: dict[int, int] = {}
    # 1: catalog, 2: page tree, 3: info; then each parts' objects, renumbered past 3.
    next_number = 4
    page_numbers: list[int] = []
    body: list[tuple[int, bytes]] = []
    for parts, indexes in selection:
        numbers: list[int] = list(parts.shared)
        seen = set(numbers)
        for index in indexes:
            for number in parts.pages[index][1]:
                if number not in seen:
                    seen.add(number)
                    numbers.append(number)
        mapping = {old: next_number + i for i, old in enumerate(numbers)}
        next_number += len(numbers)
        page_numbers.extend(mapping[parts.pages[i][0]] for i in indexes)
        rename = _renamer(mapping)
        body.extend((mapping[old], rename(parts.objects[old])) for old in numbers)

    def emit(number: int, data: bytes) -> None:
        offsets[number] = len(out)
        out.extend(b"%d 0 obj\n" % number + data + b"\nendobj\n")

    emit(1, b"<</Type /Catalog /Pages 2 0 R>>")
    kids = b" ".join(b"%d 0 R" % n for n in page_numbers)
    emit(2, b"<</Type /Pages /Kids [" + kids + b"] /Count %d>>" % len(page_numbers))
    fields = b"".join(b"/" + key.encode("ascii") + b" " + _pdf_string(v) for key, v in info.items())
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
