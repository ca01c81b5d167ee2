"""Finishing the gateway's OpenAPI document so generated clients use it as is.

FastAPI writes the document from the routes; this pass adds what it cannot know: every status
the gateway's plumbing can answer (400 for a body that does not parse, 401 wherever a token is
read, 415 and 413 on uploads, 500), the response headers, bearer auth declared optional where
anonymous calls work, a summary per operation and an example for every body. The committed
``docs/openapi.json`` is this document (``make openapi``; a test fails when they differ).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from services.gateway.auth.dependencies import current_user, optional_user
from services.gateway.openapi import DESCRIPTIONS, QUOTA_HEADERS, RETRY_AFTER, WWW_AUTHENTICATE, Problem
from services.gateway.openapi_examples import PAGE_ITEM_EXAMPLES, SCHEMA_EXAMPLES
from shared.web import PROBLEM_JSON

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
BEARER = "HTTPBearer"


# headers the plumbing sends with an error status, wherever that status is answered
_ERROR_HEADERS: dict[str, dict[str, Any]] = {
    "401": WWW_AUTHENTICATE,
    "429": {**RETRY_AFTER, **QUOTA_HEADERS},
    "503": RETRY_AFTER,
}


def install_document(app: FastAPI) -> None:
    """Replace ``app.openapi`` by the finished document (built once, then cached)."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        finish(schema, _route_facts())
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _calls(dependant: Dependant) -> set[Callable[..., Any]]:
    found: set[Callable[..., Any]] = set()
    for dep in dependant.dependencies:
        if dep.call is not None:
            found.add(dep.call)
        found |= _calls(dep)
    return found


def _route_facts() -> dict[str, dict[str, Any]]:
    """Per operation id: whether it reads a token, whether it works without one, its handler's name."""
    from services.gateway.api import FEATURE_ROUTERS

    facts: dict[str, dict[str, Any]] = {}
    for router in FEATURE_ROUTERS:
        for route in router.routes:
            if not (isinstance(route, APIRoute) and route.operation_id):
                continue
            calls = _calls(route.dependant)
            reads_token = optional_user in calls
            facts[route.operation_id] = {
                "reads_token": reads_token,
                "anonymous": reads_token and current_user not in calls,
                "json_body": route.body_field is not None,
                "name": route.name,
            }
    return facts


def _problem(status: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": DESCRIPTIONS.get(int(status), "Error."),
        "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}},
    }
    if status in _ERROR_HEADERS:
        response["headers"] = copy.deepcopy(_ERROR_HEADERS[status])
    return response


def finish(schema: dict[str, Any], facts: dict[str, dict[str, Any]]) -> None:
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, sub in (
        Problem.model_json_schema(ref_template="#/components/schemas/{model}").get("$defs", {}).items()
    ):
        schemas[name] = sub
    schemas["Problem"].pop("$defs", None)
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            _finish_operation(operation, facts.get(operation.get("operationId", ""), {}))
    _add_examples(schemas)


def _finish_operation(operation: dict[str, Any], fact: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if fact.get("reads_token"):
        # credentials are read (a bad one is refused with 401, a disabled account with 403) even
        # where none is needed; there, "no credentials" is one more way in
        security = [s for s in operation.get("security", [{BEARER: []}]) if s] or [{BEARER: []}]
        operation["security"] = [*security, {}] if fact.get("anonymous") else security
        responses.setdefault("401", {})
        responses.setdefault("403", {})
    body = operation.get("requestBody", {}).get("content", {})
    if body:
        # the server's guard: a body that stalls (408), a body that arrives while it stops (503)
        responses.setdefault("408", {})
        responses.setdefault("503", {})
    if fact.get("json_body"):
        responses.setdefault("400", {})  # a body that is not JSON at all
    if "application/octet-stream" in body:
        responses.setdefault("413", {})
        responses.setdefault("415", {})
        responses.setdefault("503", {})  # the file storage is unavailable, or the server is stopping
        responses.setdefault("507", {})  # the disk is full: nothing was kept
    responses.setdefault("500", {})
    for status, response in responses.items():
        if status.startswith(("4", "5")):
            filled = _problem(status)
            filled.update({k: v for k, v in response.items() if k not in ("content", "headers")})
            if status == "422":
                filled["description"] = DESCRIPTIONS[422]
            filled["headers"] = {**filled.get("headers", {}), **response.get("headers", {})}
            if not filled["headers"]:
                del filled["headers"]
            responses[status] = filled
    if not operation.get("summary") or operation["summary"] == _auto_summary(str(fact.get("name", ""))):
        operation["summary"] = _first_sentence(operation.get("description", "")) or operation["summary"]
    for response in responses.values():
        for media_type, media in response.get("content", {}).items():
            if "example" not in media and "examples" not in media:
                if media_type == "text/plain":
                    media["example"] = "loading model.joblib\npredicted 810 rows\n"
                elif media_type == "text/csv":
                    media["example"] = "rank,team_name,score,submission_id,submitted_at\n1,ada,0.97,...\n"


def _auto_summary(handler_name: str) -> str:
    """The summary FastAPI makes up from the handler's name (``get_me`` -> ``Get Me``)."""
    return handler_name.replace("_", " ").title()


def _first_sentence(text: str) -> str:
    first = text.strip().split("\n\n", 1)[0].replace("\n", " ")
    end = first.find(". ")
    sentence = first if end < 0 else first[: end + 1]
    return sentence.rstrip(".").replace("`", "")[:120]


def _add_examples(schemas: dict[str, Any]) -> None:
    for name, example in SCHEMA_EXAMPLES.items():
        if name in schemas:
            schemas[name]["examples"] = [example]
    for name, sub in schemas.items():
        if name.startswith("Page_") and name.endswith("_"):
            item = name[len("Page_") : -1]
            example = PAGE_ITEM_EXAMPLES.get(item, SCHEMA_EXAMPLES.get(item))
            if example is not None:
                sub["examples"] = [{"items": [example], "total": 1, "offset": 0, "limit": 50}]
