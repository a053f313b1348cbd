"""Accounts' routers, in the order ``app.main`` includes them: the public pages
(``pages/public.py``), the JSON API (``api.py``) and the staff pages (``pages/staff.py``)."""

from __future__ import annotations

from app.accounts import api
from app.accounts.pages import public, staff

ROUTERS = (*public.ROUTERS, *api.ROUTERS, *staff.ROUTERS)
