"""Every route the app answers, read from FastAPI's router table (not a hand list)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import APIRoute, _IncludedRouter
from starlette.routing import BaseRoute


@dataclass(frozen=True)
class RouteInfo:
    path: str
    methods: frozenset[str]
    route: APIRoute

    @property
    def int_params(self) -> list[str]:
        return [p.name for p in self.route.dependant.path_params if p.field_info.annotation is int]

    @property
    def path_params(self) -> list[str]:
        """Every parameter in the path, whether or not the endpoint declares it."""
        return re.findall(r"\{(\w+)(?::\w+)?\}", self.path)


def _walk(routes: list[BaseRoute], prefix: str) -> Iterator[RouteInfo]:
    for route in routes:
        if isinstance(route, _IncludedRouter):
            # FastAPI 0.16x keeps included routers as branches; their prefix is on the branch.
            yield from _walk(route.original_router.routes, prefix + route.include_context.prefix)
        elif isinstance(route, APIRoute):
            yield RouteInfo(prefix + route.path, frozenset(route.methods or ()), route)


def app_routes(app: FastAPI) -> list[RouteInfo]:
    """The app's API routes with their full paths."""
    return list(_walk(app.router.routes, ""))
