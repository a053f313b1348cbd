"""A small valid content pack for the learning tests, written to disk and synced."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.content.models import Course
from app.content.sync import sync_folder

SLUG = "learn-demo"

# The right answers, by module slug and check id, as the pack below states them.
ANSWERS: dict[tuple[str, str], list[int]] = {
    ("basics", "pick-one"): [2],
    ("basics", "pick-many"): [1, 3, 4],
    ("middle", "mid"): [1],
    ("last", "final"): [3],
}
MODULE_SLUGS = ["basics", "middle", "last"]

COURSE_YAML = """\
id: {slug}
version: "{version}"
title: {title}
summary: A course used by the learning tests.
audience: [IT analysts]
skills: [listening]
objectives:
  - Finish a course online.
credit_hours: 1.5
free_online: {free_online}
{online}formats:
  one-day:
    title: One-day module
    days: 1
    agenda:
      - {{day: 1, module: basics}}
      - {{day: 1, module: middle}}
      - {{day: 1, module: last}}
completion:
  modules_visited: {modules_visited}
  min_check_score: {min_check_score}
  attendance: true
  min_minutes: {min_minutes}
"""

BASICS_MD = """\
---
title: {first_title}
minutes: 30
objectives:
  - Tell the basics apart.
checks:
  - id: pick-one
    type: single
    question: Which letter is second?
    choices: [Alpha, Bravo, Charlie]
    answer: 2
    explanation: Bravo comes second in the spelling alphabet.
  - id: pick-many
    type: multiple
    question: Which are odd positions or the fourth?
    choices: [One, Two, Three, Four, Five]
    answer: [1, 3, 4]
    explanation: One, three and four were asked for.
---
## Lesson one

The basics lesson body.
"""

MIDDLE_MD = """\
---
title: The middle
minutes: 30
objectives:
  - Keep going.
checks:
  - id: mid
    type: single
    question: Is this the middle module?
    choices: ["Yes", "No"]
    answer: 1
    explanation: It is the second of three.
---
The middle lesson body.
"""

LAST_MD = """\
---
title: The last one
minutes: 30
objectives:
  - Finish.
checks:
  - id: final
    type: single
    question: Which number is three?
    choices: ["1", "2", "3"]
    answer: 3
    explanation: Three is three.
---
The last lesson body.
"""


def write_pack(
    parent: Path,
    *,
    slug: str = SLUG,
    version: str = "1.0.0",
    title: str = "Learning demo",
    first_title: str = "The basics",
    free_online: bool = False,
    min_check_score: int = 80,
    modules_visited: str = "all",
    min_minutes: int = 0,
    online_credit_hours: float | None = None,
) -> Path:
    """Write the pack into ``parent/slug`` and return the folder."""
    root = parent / slug
    (root / "modules").mkdir(parents=True, exist_ok=True)
    course = COURSE_YAML.format(
        slug=slug,
        version=version,
        title=title,
        free_online="true" if free_online else "false",
        min_check_score=min_check_score,
        modules_visited=modules_visited,
        min_minutes=min_minutes,
        online=""
        if online_credit_hours is None
        else f"online: {{credit_hours: {online_credit_hours}}}\n",
    )
    (root / "course.yaml").write_text(course, encoding="utf-8")
    files = {
        "01-basics.md": BASICS_MD.format(first_title=first_title),
        "02-middle.md": MIDDLE_MD,
        "03-last.md": LAST_MD,
    }
    for name, text in files.items():
        (root / "modules" / name).write_text(text, encoding="utf-8")
    return root


def sync_pack(db: Session, tmp_path: Path, **options: object) -> Course:
    """Write the pack (see ``write_pack`` for the options), sync it, return its course."""
    root = write_pack(tmp_path / "packs", **options)  # type: ignore[arg-type]
    result = sync_folder(db, root)
    assert result.ok, result.failed
    course = db.scalar(select(Course).where(Course.slug == root.name))
    assert course is not None
    return course
