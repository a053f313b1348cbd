"""The one module that reads WeasyPrint's and pydyf's private structures.

WeasyPrint's public API lays out HTML into pages and writes them; three speed-ups need
more than that, and all of their private access is here, written for the WeasyPrint and
pydyf versions pinned in pyproject.toml:

- a page repeated in one PDF is painted once and its operations replayed
  (:func:`share_repeated`; the page's ``__dict__``, the pydyf page tree ``Kids``);
- a certificate frame is painted once into a form XObject and the per-person boxes are
  moved into its slots (:class:`SharedFrame`, :class:`ComposedPage`, :func:`boxes`,
  :func:`page_with`; ``page._page_box``, ``stream._resources``);
- the objects WeasyPrint builds for a PDF are serialised once, so any page can be
  written as a PDF of its own (:func:`capture`; pydyf objects).

With ``APEX_PDF_USE_INTERNALS=false`` none of this runs: the callers fall back to
``Document.copy(...).write_pdf()`` (tests/documents/pdf/test_internals.py checks that
both paths give the same pages).
"""

from __future__ import annotations

import contextlib
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pydyf
from weasyprint import Document, Page

# Finisher: WeasyPrint calls it with the document and the pydyf PDF before writing it.
Finisher = Callable[[Any, Any], None]

_REFERENCE = re.compile(rb"(\d+) 0 R")
_MARKER = re.compile(rb"\x00(\d+)\x00")
# A name operand of a font (Tf) or XObject (Do) operator in a content stream.
_USES = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+(?:[-+\d.]+\s+Tf|Do)\b")


# --- Repeated pages (a workbook body after each cover) ---------------------------------


class _RepeatedPage(Page):  # type: ignore[misc]  # WeasyPrint ships no types
    """A page that appears several times in one PDF: drawn once, its operations replayed.

    WeasyPrint paints every page it writes; a workbook body repeated after 30 covers
    would be painted 30 times, which costs more than laying it out. The first
    occurrence records the drawing operations it appends to its content stream (fonts,
    images and graphic states live in the PDF's shared resources, so the operations are
    valid on any page of the same PDF); later occurrences append the same operations.
    Later occurrences drop links, anchors and bookmarks, so in-document links resolve
    to the first copy instead of colliding.
    """

    def __init__(self, page: Page, recording: list[list[Any]], *, first: bool) -> None:
        # No super().__init__(): the page is already laid out; take its attributes.
        self.__dict__.update(page.__dict__)
        self._original = page
        self._recording = recording
        if not first:
            self.links: list[Any] = []
            self.anchors: dict[str, Any] = {}
            self.bookmarks: list[Any] = []

    def paint(self, stream: Any, scale: float = 1) -> None:
        """Paint the page, or replay the operations recorded when it was first painted."""
        if self._recording:
            stream.stream.extend(self._recording[0])
            return
        start = len(stream.stream)
        self._original.paint(stream, scale)
        self._recording.append(stream.stream[start:])


def share_repeated(pages: list[Page]) -> tuple[list[Page], Finisher | None]:
    """Wrap pages that occur several times, and the finisher that stores their contents once."""
    counts = Counter(id(page) for page in pages)
    recordings: dict[int, list[list[Any]]] = {}
    first_index: dict[int, int] = {}
    repeats: dict[int, int] = {}  # a repeat's index -> its first occurrence's index
    shared: list[Page] = []
    for index, page in enumerate(pages):
        if counts[id(page)] == 1:
            shared.append(page)
            continue
        first = id(page) not in recordings
        if first:
            first_index[id(page)] = index
        else:
            repeats[index] = first_index[id(page)]
        recording = recordings.setdefault(id(page), [])
        shared.append(_RepeatedPage(page, recording, first=first))
    return shared, (_point_repeats_at_first_contents(repeats) if repeats else None)


def _point_repeats_at_first_contents(repeats: dict[int, int]) -> Finisher:
    """A finisher: repeated pages share the first occurrence's content stream.

    The replayed streams hold the same operations; pointing every repeat at the first one
    and emptying the copies saves compressing and storing the same page 30 times.
    """

    def finish(_document: Any, pdf: Any) -> None:
        page_numbers = pdf.pages["Kids"][::3]  # [number, 0, "R", number, 0, "R", ...]
        for index, first in repeats.items():
            page = pdf.objects[page_numbers[index]]
            original = pdf.objects[page_numbers[first]]
            duplicate = pdf.objects[int(page["Contents"].split()[0])]
            duplicate.stream = []
            page["Contents"] = original["Contents"]

    return finish


# --- Composed certificate pages --------------------------------------------------------


def boxes(page: Page) -> Iterator[Any]:
    """Every layout box of a laid-out page, in document order."""
    return iter(page._page_box.descendants())


def page_with(page: Page, children: Sequence[Any]) -> Page:
    """A new page with the page box of ``page`` holding only ``children``."""
    return Page(page._page_box.copy_with_children(list(children)))


class SharedFrame:
    """A frame page painted once per PDF into a form XObject, then drawn by every page.

    The form is remembered with the PDF's XObject resources it was registered in, so a
    second PDF (the same pages written again, or joined into a pack) paints its own.
    """

    def __init__(self, page: Page) -> None:
        self.page = page
        self._form: Any = None

    def paint(self, stream: Any, scale: float) -> None:
        """Draw the frame's form (painting it first if this PDF has none yet)."""
        resources = getattr(stream, "_resources", None)
        xobjects = resources.get("XObject") if isinstance(resources, dict) else None
        if xobjects is None or not hasattr(stream, "add_group"):
            # Not the stream this code was written against: paint the frame every time.
            self.page.paint(stream, scale)
            return
        form = self._form
        if form is None or xobjects.get(form.id) is not form:
            # add_group makes a form XObject in this PDF's resources (WeasyPrint's own
            # way for opacity); a frame needs no transparency group, so that key goes.
            form = stream.add_group(*stream.page_rectangle)
            form.extra.pop("Group", None)
            self.page.paint(form, scale)
            self._form = form
        stream.draw_x_object(form.id)


class ComposedPage(Page):  # type: ignore[misc]  # WeasyPrint ships no types
    """One certificate: its group's frame, the person's parts moved into place, the QR code."""

    def __init__(self, frame: SharedFrame, overlay: Page, qr_box: Any, qr_image: bytes) -> None:
        # No super().__init__(): the overlay page is already built; take its attributes
        # (size, bleed, and no links or bookmarks, as the frame has none).
        self.__dict__.update(overlay.__dict__)
        self._frame = frame
        self._overlay = overlay
        self._qr = (qr_box.content_box_x(), qr_box.content_box_y(), qr_box.width, qr_box.height)
        self._qr_image = qr_image

    def paint(self, stream: Any, scale: float = 1) -> None:
        """Draw the shared frame, the person's name and lines, then the QR code."""
        self._frame.paint(stream, scale)
        self._overlay.paint(stream, scale)
        x, y, width, height = self._qr
        with stream.stacked():
            # The stream's y axis points down (WeasyPrint flips it); an image's first row
            # is drawn at the unit square's y=1, so the image is flipped back here.
            stream.transform(
                a=width * scale, d=-height * scale, e=x * scale, f=(y + height) * scale
            )
            stream.stream.append(b"0 g")
            stream.stream.append(self._qr_image)


# --- Capturing a written PDF's objects -------------------------------------------------


@dataclass
class Captured:
    """A PDF's objects as WeasyPrint built them, serialised once (references as markers)."""

    objects: dict[int, bytes] = field(default_factory=dict)
    links: dict[int, set[int]] = field(default_factory=dict)  # object -> objects it names
    kids: list[int] = field(default_factory=list)  # the page objects, in order
    skip: set[int] = field(default_factory=set)  # page tree and catalog: each file its own
    # page index -> its resources and font dictionaries cut to the names its page uses
    rewrites: list[dict[int, bytes]] = field(default_factory=list)


class _Captured(Exception):
    """Raised by the finisher once the objects are taken: WeasyPrint need not write them."""


def capture(document: Document) -> Captured:
    """Write a laid-out document's pages (fonts subset once) and capture the objects."""
    captured: list[Captured] = []

    def finisher(_document: Any, pdf: Any) -> None:
        captured.append(_capture_pdf(pdf))
        raise _Captured

    with contextlib.suppress(_Captured):
        document.write_pdf(finisher=finisher)
    if not captured:
        raise RuntimeError("WeasyPrint wrote the PDF without calling the finisher")
    return captured[0]


def references(serialised: bytes) -> set[int]:
    """The objects a serialised object refers to (markers before its stream data)."""
    head = serialised.split(b"\nstream\n", 1)[0]
    return {int(number) for number in _MARKER.findall(head)}


def pdf_string(value: str) -> bytes:
    """A PDF string literal, as pydyf writes one."""
    return bytes(pydyf.String(value).data)


def _capture_pdf(pdf: Any) -> Captured:
    kids = pdf.pages["Kids"][::3]  # pydyf stores [number, 0, "R", number, 0, "R", ...]
    found = Captured(kids=list(kids), skip={pdf.pages.number, pdf.catalog.number})
    is_page = set(kids)
    names: dict[int, set[bytes]] = {}  # stream -> resource names its operators use
    resources_of: dict[int, int] = {}  # page or form -> its resources dictionary
    contents: dict[int, int] = {}  # page -> its content stream
    for obj in pdf.objects:
        if obj.number in found.skip or obj.free == "f":
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
        found.objects[obj.number] = serialised
        found.links[obj.number] = references(serialised)
    by_number = {obj.number: obj for obj in pdf.objects}
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
        found.rewrites.append(rewritten)
    return found


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
        return bytes(item.data)
    return str(item).encode("ascii")


def _stream_data(obj: Any) -> bytes:
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
        return bytes(_marked(obj).data)
    return bytes(obj.data)


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
        return bytes(_marked(pydyf.Dictionary(kept)).data)
    copy = pydyf.Dictionary(dictionary)
    xobjects = copy.get("XObject")
    if isinstance(xobjects, dict):
        copy["XObject"] = pydyf.Dictionary(
            {k: v for k, v in xobjects.items() if k.encode() in used}
        )
    return bytes(_marked(copy).data)
