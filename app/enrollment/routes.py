"""Enrolment pages and API, gathered from their use-case modules.

``router`` carries the CSRF check for every page form; ``api`` is ``/api/v1`` (bearer
tokens, no cookies, so no CSRF).
"""

from __future__ import annotations

from fastapi import APIRouter

from app.enrollment import api_v1, pages_learner, pages_packs, pages_staff
from app.pages import page_router

router = page_router()
router.include_router(pages_learner.router)
router.include_router(pages_staff.router)
router.include_router(pages_packs.router)

api = APIRouter()
api.include_router(api_v1.api)

# What app/main.py includes, in this order.
ROUTERS = (router, api)
