"""The catalogue's routers, in the order ``app.main`` includes them: the public pages
(``pages/public.py``), the staff's content pages (``pages/staff.py``) and the JSON API
(``api.py``)."""

from __future__ import annotations

from app.content import api
from app.content.pages import public, staff

ROUTERS = (*public.ROUTERS, *staff.ROUTERS, *api.ROUTERS)
