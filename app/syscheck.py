"""Check the system before installing or starting, and install what is missing when allowed.

Runs with the system Python and only the standard library (it is called by ``make``
before the virtual environment exists), so a fresh Debian machine gets the Debian
packages it lacks instead of a traceback:

    python3 app/syscheck.py run     # what `make run` needs (PDF libraries, fonts)
    python3 app/syscheck.py test    # and what `make test` needs (Chromium for browser tests)

When something is missing and this process may install packages (it runs as root, or
``sudo -n`` works), it shows the ``apt-get install`` line and runs it. Otherwise it prints
that one line and exits 1. ``APEX_NO_APT=1`` turns the installing off.
"""

from __future__ import annotations

import ctypes.util
import importlib.util
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

MIN_PYTHON = (3, 11)


@dataclass(frozen=True)
class Requirement:
    """One thing the system must provide, and the Debian package that provides it."""

    what: str
    package: str
    purposes: frozenset[str]

    def present(self) -> bool:
        """True when the machine already has it."""
        kind, _, name = self.what.partition(":")
        if kind == "lib":
            return ctypes.util.find_library(name) is not None
        if kind == "file":
            return Path(name).exists()
        if kind == "module":
            return importlib.util.find_spec(name) is not None
        raise ValueError(f"unknown requirement kind {kind!r}")


RUN = frozenset({"run", "test"})
TEST = frozenset({"test"})
_PY = f"{sys.version_info.major}.{sys.version_info.minor}"

REQUIREMENTS: list[Requirement] = [
    Requirement("module:ensurepip", f"python{_PY}-venv", RUN),
    # WeasyPrint (certificates, workbooks, guides) lays text out with Pango.
    Requirement("lib:pango-1.0", "libpango-1.0-0", RUN),
    Requirement("lib:pangoft2-1.0", "libpangoft2-1.0-0", RUN),
    # Font subsetting: without it WeasyPrint falls back to fontTools, which is far slower
    # on the CJK fonts and warns that HarfBuzz-Subset will be required.
    Requirement("lib:harfbuzz-subset", "libharfbuzz-subset0", RUN),
    # Fonts that cover participants' names: Latin, Greek, Cyrillic, Arabic, CJK.
    Requirement("file:/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf", "fonts-noto-core", RUN),
    Requirement(
        "file:/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf", "fonts-noto-core", RUN
    ),
    Requirement(
        "file:/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "fonts-noto-cjk", RUN
    ),
    # The browser tests drive Debian's Chromium (Playwright never downloads a browser here).
    Requirement("file:/usr/bin/chromium", "chromium", TEST),
    # Mozilla's ical.js (Thunderbird's calendar reader) runs under Node in the calendar
    # tests; its pinned npm package installs itself into tests/calendar_readers/.
    Requirement("file:/usr/bin/node", "nodejs", TEST),
    Requirement("file:/usr/bin/npm", "npm", TEST),
]


def missing_packages(purpose: str) -> list[str]:
    """Debian packages to install for ``purpose`` ("run" or "test"), in a stable order."""
    packages: list[str] = []
    for requirement in REQUIREMENTS:
        wanted = purpose in requirement.purposes and not requirement.present()
        if wanted and requirement.package not in packages:
            packages.append(requirement.package)
    return packages


def _apt_prefix() -> list[str] | None:
    """The command prefix that may run apt-get here, or None when we may not install."""
    if os.environ.get("APEX_NO_APT") == "1" or shutil.which("apt-get") is None:
        return None
    if os.geteuid() == 0:
        return []
    if (
        shutil.which("sudo")
        and subprocess.run(["sudo", "-n", "true"], capture_output=True, check=False).returncode == 0
    ):
        return ["sudo", "-n"]
    return None


def install(packages: list[str]) -> bool:
    """Install ``packages`` with apt-get when allowed, showing what runs; True on success."""
    prefix = _apt_prefix()
    if prefix is None:
        return False
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print(f"apex: installing Debian packages: {' '.join(packages)}", file=sys.stderr)
    update = subprocess.run([*prefix, "apt-get", "update", "-qq"], env=env, check=False)
    if update.returncode != 0:
        return False
    command = [*prefix, "apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]
    print(f"apex: $ {' '.join(command)}", file=sys.stderr)
    return subprocess.run(command, env=env, check=False).returncode == 0


def main(argv: list[str]) -> int:
    """Check (and if allowed install) what ``argv[0]`` ("run" or "test") needs; 1 if missing."""
    purpose = argv[0] if argv else "run"
    if purpose not in {"run", "test"}:
        print("usage: syscheck.py [run|test]", file=sys.stderr)
        return 2
    if sys.version_info < MIN_PYTHON:
        print(
            f"apex: APEX needs Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer; this is "
            f"{sys.version.split()[0]}: install the Debian package python3 (bookworm or newer)",
            file=sys.stderr,
        )
        return 1
    packages = missing_packages(purpose)
    if not packages:
        return 0
    if install(packages) and not missing_packages(purpose):
        return 0
    still = missing_packages(purpose)
    print(f"apex: this machine lacks {', '.join(still)}. Run, as root:", file=sys.stderr)
    print(f"    apt-get install {' '.join(still)}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
