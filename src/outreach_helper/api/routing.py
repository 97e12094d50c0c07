"""A route class that skips FastAPI's parameter solving when there is nothing to solve.

A gadget's request is a path with at most a flag (`/api/users/Ada_Example`,
`...?enrich=true`): path parameters that are plain strings, query parameters that are
optional `Literal`s. FastAPI still walks every declared parameter through its validation
machinery on each request, which cost about a fifth of a warm answer (bench/profile.py).
`QuickRoute` calls such an endpoint directly with the path parameters, the flags given
(checked against their `Literal`) and the declared defaults, and sends the Response it
returns. A flag with any other value, and every route that declares what cannot be passed
that way (dependencies, a body, headers, cookies, a required or non-`Literal` query
parameter, a path parameter that is not a `str`, a return value that is not a Response),
takes FastAPI's own handler, so validation and its 422s are FastAPI's as before. The
OpenAPI document is built from the same declarations and does not change.

Routers opt in with `APIRouter(route_class=QuickRoute)`. The endpoint validates the path
strings itself (`deps.valid_username` ...), as the routes here already do.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from types import NoneType
from typing import Any, Literal, get_args, get_origin, get_type_hints

import fastapi.routing
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def _returns_response(call: Callable[..., Any]) -> bool:
    """The endpoint is declared to return a Response, which needs no serialising."""
    try:
        returned = get_type_hints(call).get("return")
    except (NameError, TypeError):
        return False
    return isinstance(returned, type) and issubclass(returned, Response)


def quick_defaults(route: Any) -> dict[str, Any] | None:
    """The keyword arguments besides the path parameters that a bare request gets, or None
    when the route (an APIRoute, or FastAPI's context of an included one) declares anything
    that needs FastAPI's solving."""
    dependant = route.dependant
    if (
        dependant.dependencies
        or dependant.body_params
        or dependant.header_params
        or dependant.cookie_params
        or dependant.response_param_name
        or dependant.background_tasks_param_name
        or dependant.http_connection_param_name
        or dependant.security_scopes_param_name
        or not inspect.iscoroutinefunction(dependant.call)
        or not _returns_response(dependant.call)
        or getattr(route, "body_field", None) is not None
        or any(field.field_info.annotation is not str for field in dependant.path_params)
        or any(field.field_info.is_required() for field in dependant.query_params)
        or any(field.alias != field.name for field in dependant.path_params)
    ):
        return None
    defaults: dict[str, Any] = {field.name: field.get_default() for field in dependant.query_params}
    return defaults


def literal_choices(route: Any) -> dict[str, tuple[str, frozenset[str]]] | None:
    """For each query parameter, its keyword and the strings it may be, when every one is an
    optional `Literal` of strings (the service's flags); else None."""
    choices: dict[str, tuple[str, frozenset[str]]] = {}
    for field in route.dependant.query_params:
        options = [arg for arg in get_args(field.field_info.annotation) if arg is not NoneType]
        if len(options) != 1 or get_origin(options[0]) is not Literal:
            return None
        values = get_args(options[0])
        if not all(isinstance(value, str) for value in values):
            return None
        choices[field.alias] = (field.name, frozenset(values))
    return choices


def _effective(route: APIRoute) -> Any:
    """What FastAPI builds the handler from: for a route of an included router, the
    inclusion's context (its dependant carries `include_router`'s dependencies, if any).
    FastAPI keeps it in a private context variable while it builds the handler."""
    context_var = getattr(fastapi.routing, "_effective_route_context_var", None)
    context = context_var.get() if context_var is not None else None
    if context is not None and getattr(context, "original_route", None) is route:
        return context
    return route


class QuickRoute(APIRoute):
    """An APIRoute whose bare requests go straight to the endpoint (see the module doc)."""

    def get_route_handler(self) -> Handler:
        full = super().get_route_handler()
        route = _effective(self)
        defaults = quick_defaults(route)
        if defaults is None:
            return full
        choices = literal_choices(route)
        request_name = route.dependant.request_param_name
        endpoint = route.dependant.call
        assert endpoint is not None

        async def handle(request: Request) -> Response:
            arguments = {**defaults, **request.path_params}
            if request.scope.get("query_string"):
                if choices is None:
                    return await full(request)
                # No declared parameter (`choices` empty): the endpoint reads the query
                # itself, so it is not parsed here (50 names take a while to decode).
                for alias, value in request.query_params.items() if choices else ():
                    if alias in choices:
                        name, allowed = choices[alias]
                        if value not in allowed:  # FastAPI's 422, as it words it
                            return await full(request)
                        arguments[name] = value
            if request_name is not None:
                arguments[request_name] = request
            return await endpoint(**arguments)

        handle.quick = True  # type: ignore[attr-defined]  # for tests
        return handle
