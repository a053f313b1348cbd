"""Split a PDF as WeasyPrint builds it into pages, and write any pages as a PDF of their own.

Certificates are laid out and written as one PDF per batch, but each person also gets a
file of their own. Writing each page again through WeasyPrint would subset and embed the
fonts once per person (tens of milliseconds each); instead :func:`capture` takes the
objects WeasyPrint has built (:func:`app.documents.pdf.internals.capture`), serialised
once, and records which objects each page needs. :func:`write_pdf` then writes a
valid PDF of any pages from those bytes, and parts of several batches (rendered by
different processes) combine into one file the same way. :meth:`Parts.write_single`
writes one page with only the fonts and forms that page draws.

Object references are stored as markers, not as numbers, so parts of different
batches can be renumbered without parsing PDF syntax: WeasyPrint writes a reference
as ``b"12 0 R"`` in a dictionary or array value (never inside a string), and that is
the only thing replaced.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from weasyprint import Document

from app.documents.pdf import internals

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


def capture(found: internals.Captured) -> Parts:
    """Map each page of a captured PDF to the objects it needs, alone and with the others."""
    parts = Parts(objects=found.objects)
    needs = [_closure(found, number, {}) for number in found.kids]
    common = set(needs[0]).intersection(*needs[1:]) if needs else set()
    parts.shared = tuple(n for n in needs[0] if n in common) if needs else ()
    parts.pages = [
        (number, tuple(n for n in need if n not in common))
        for number, need in zip(found.kids, needs, strict=True)
    ]
    parts.singles = [
        (_closure(found, number, rewritten), rewritten)
        for number, rewritten in zip(found.kids, found.rewrites, strict=True)
    ]
    return parts


def _closure(
    found: internals.Captured, start: int, rewritten: Mapping[int, bytes]
) -> tuple[int, ...]:
    """The objects ``start`` needs, depth first (``rewritten`` objects name fewer)."""
    order: list[int] = []
    done: set[int] = set()
    todo = [start]
    while todo:
        number = todo.pop()
        if number in done or number in found.skip:
            continue
        done.add(number)
        order.append(number)
        links = (
            internals.references(rewritten[number]) if number in rewritten else found.links[number]
        )
        todo.extend(sorted(links, reverse=True))
    return tuple(order)


def render_parts(document: Document) -> Parts:
    """Write a laid-out document's pages (fonts subset once) and capture them as parts."""
    return capture(internals.capture(document))


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
        b"/" + key.encode("ascii") + b" " + internals.pdf_string(value)
        for key, value in info.items()
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
