"""Classifying link and image URLs: external, in-page anchor, or a file in the pack."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote

# The schemes the sanitiser keeps; any other scheme is removed from the rendered page.
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})

_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")

TargetKind = Literal["external", "anchor", "pack", "bad-scheme", "outside"]


@dataclass(frozen=True)
class LinkTarget:
    """Where a URL points; `path` is the normalised pack-relative path for kind "pack"."""

    kind: TargetKind
    path: str = ""
    fragment: str = ""
    scheme: str = ""


def classify_url(url: str) -> LinkTarget:
    """Tell external, anchor, pack-file, disallowed-scheme and outside-the-pack URLs apart."""
    url = url.strip()
    if not url or url.startswith("#"):
        return LinkTarget("anchor")
    scheme = _SCHEME_RE.match(url)
    if scheme:
        name = scheme.group(1).lower()
        return LinkTarget("external" if name in ALLOWED_SCHEMES else "bad-scheme", scheme=name)
    if url.startswith(("/", "\\")):
        # Site-absolute or protocol-relative: not a path relative to the pack folder.
        return LinkTarget("outside", path=url)
    before_fragment, _, fragment = url.partition("#")
    path = unquote(before_fragment.partition("?")[0])
    if not path:
        return LinkTarget("anchor")
    normal = posixpath.normpath(path)
    if normal == ".." or normal.startswith(("../", "/")):
        return LinkTarget("outside", path=path)
    return LinkTarget("pack", path=normal, fragment=fragment)
