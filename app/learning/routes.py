"""Learning's routers, in the order ``app.main`` includes them: the pages
(``pages/public.py``) and the JSON API (``api.py``)."""

from __future__ import annotations

from app.learning import api
from app.learning.pages import public

ROUTERS = (*public.ROUTERS, *api.ROUTERS)
