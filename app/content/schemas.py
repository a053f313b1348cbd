"""Catalogue shapes, shared by the pages and ``/api/v1/courses``."""

from __future__ import annotations

from pydantic import BaseModel


class FormatOut(BaseModel):
    """A delivery format of a course (one-day, three-day, ...)."""

    id: str
    title: str
    days: int
    teaching_minutes: int
    credit_hours: float  # what a certificate from a session in this format states


class ModuleOut(BaseModel):
    """A module as the catalogue shows it."""

    position: int
    id: str
    title: str
    minutes: int
    objectives: list[str]
    checks: int


class CourseOut(BaseModel):
    """A course in the catalogue list."""

    id: str
    version: str
    title: str
    summary: str
    audience: list[str]
    skills: list[str]
    credit_hours: float  # the most any way of taking the course earns (the catalogue's tag)
    online_credit_hours: float  # what completing it online earns
    online_minutes: int  # the modules' minutes: what online study teaches
    min_online_minutes: int  # least time in the modules for an online completion
    free_online: bool
    formats: list[FormatOut]
    url: str


class CourseDetailOut(CourseOut):
    """A course page: the list entry plus objectives and modules."""

    content_hash: str
    objectives: list[str]
    modules: list[ModuleOut]
