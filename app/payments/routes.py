"""Payments' routers, in the order ``app.main`` includes them: learners' checkout and orders
(``pages/public.py``), the staff's orders, promo codes and refund policies
(``pages/staff.py``), and the Stripe webhook (``api.py``)."""

from __future__ import annotations

from app.payments import api
from app.payments.pages import public, staff

ROUTERS = (*public.ROUTERS, *staff.ROUTERS, *api.ROUTERS)
