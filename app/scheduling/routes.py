"""(routes are being written)"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from app.web import verify_csrf

router = APIRouter(dependencies=[Depends(verify_csrf)])
api = APIRouter(prefix="/api/v1")
