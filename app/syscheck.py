"""Check the system before installing or starting: one line per missing piece.

Runs with the system Python and only the standard library (it is called by ``make``
before the virtual environment exists), so a fresh Debian machine gets "install X"
instead of a traceback.
"""

from __future__ import annotations

import ctypes.util
import importlib.util
import sys
from pathlib import Path

# (what, how to test, Debian package that provides it)
MIN_PYTHON = (3, 11)
SHARED_LIBRARIES: list[tuple[str, str]] = [
    # WeasyPrint (certificates, workbooks, guides) lays text out with Pango.
    ("pango-1.0", "libpango-1.0-0"),
    ("pangoft2-1.0", "libpangoft2-1.0-0"),
    # Font subsetting: without it WeasyPrint falls back to fontTools, which is far slower
    # on the CJK fonts and warns that HarfBuzz-Subset will be required.
    ("harfbuzz-subset", "libharfbuzz-subset0"),
]
# Fonts that cover participants' names: Latin with diacritics, Greek, Cyrillic, Arabic, CJK.
FONT_FILES: list[tuple[str, str]] = [
    ("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf", "fonts-noto-core"),
    ("/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf", "fonts-noto-core"),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "fonts-noto-cjk"),
]


def problems() -> list[str]:
    """Human-readable lines, one per missing requirement (empty when all is well)."""
    found: list[str] = []
    if sys.version_info < MIN_PYTHON:
        found.append(
            f"APEX needs Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer; this is "
            f"{sys.version.split()[0]}: install the Debian package python3 (bookworm or newer)"
        )
    if importlib.util.find_spec("ensurepip") is None:
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        found.append(
            f"Python cannot create virtual environments: run 'apt-get install python{version}-venv'"
        )
    for library, package in SHARED_LIBRARIES:
        if ctypes.util.find_library(library) is None:
            found.append(f"missing system library {library}: run 'apt-get install {package}'")
    missing_fonts = sorted({package for path, package in FONT_FILES if not Path(path).exists()})
    if missing_fonts:
        found.append(f"missing fonts for PDFs: run 'apt-get install {' '.join(missing_fonts)}'")
    return found


def main() -> int:
    """Print every problem and exit 1 when there is one."""
    lines = problems()
    for line in lines:
        print(f"apex: {line}", file=sys.stderr)
    return 1 if lines else 0


if __name__ == "__main__":
    raise SystemExit(main())
