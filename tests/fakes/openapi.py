"""A small OpenAPI 3.0 checker for the fakes: is this answer what the spec promises?

It loads Overseerr's `overseerr-api.yml`, turns OpenAPI's `nullable` into JSON Schema
and validates bodies with `jsonschema`, following `$ref`s into `components`.
"""

from __future__ import annotations

import copy
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft4Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4

SPEC_ENV = "OVERSEERR_OPENAPI"
# Read at import as well: tests/conftest.py clears every OVERSEERR_* variable before each test.
_SPEC_ENV_AT_IMPORT = os.environ.get(SPEC_ENV)
SPEC_URI = "urn:overseerr-api"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")

# Statuses the spec leaves out are Overseerr errors: its error handler sends
# `{message, errors?}`, its `isAuthenticated` middleware sends `{status, error}`.
ERROR_BODY: dict[str, Any] = {
    "anyOf": [
        {
            "type": "object",
            "required": ["message"],
            "properties": {"message": {"type": "string"}, "errors": {"type": "array"}},
        },
        {
            "type": "object",
            "required": ["status", "error"],
            "properties": {"status": {"type": "integer"}, "error": {"type": "string"}},
        },
    ]
}


class SpecViolation(AssertionError):
    """An answer (or an operation) that the OpenAPI spec does not allow."""


def spec_path() -> Path:
    """Where the spec is: `$OVERSEERR_OPENAPI`, else `shared/reference/` beside the repo."""
    env = os.environ.get(SPEC_ENV) or _SPEC_ENV_AT_IMPORT
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "shared/reference/overseerr-api.yml"


def _to_json_schema(node: Any) -> Any:
    """Copy a spec subtree, rewriting OpenAPI `nullable: true` as JSON Schema null types."""
    if isinstance(node, list):
        return [_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _to_json_schema(value) for key, value in node.items()}
    if out.pop("nullable", False) is True:
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


class OpenApiSpec:
    """The loaded spec: look up operations and check bodies against their schemas."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path else spec_path()
        with self.path.open(encoding="utf-8") as handle:
            self.raw: dict[str, Any] = yaml.safe_load(handle)
        self.doc: dict[str, Any] = _to_json_schema(self.raw)
        self._registry: Registry = Registry().with_resource(
            SPEC_URI, DRAFT4.create_resource(self.doc)
        )
        self._validators: dict[str, Draft4Validator] = {}

    def operation(self, method: str, template: str) -> dict[str, Any] | None:
        """The operation object for `GET /request/{requestId}`, or None if undescribed."""
        item = self.doc.get("paths", {}).get(template)
        if not item:
            return None
        op = item.get(method.lower())
        return op if isinstance(op, dict) else None

    def operations(self) -> set[tuple[str, str]]:
        """Every (METHOD, path template) the spec describes."""
        return {
            (method.upper(), template)
            for template, item in self.doc.get("paths", {}).items()
            for method in item
            if method in METHODS
        }

    def is_public(self, method: str, template: str) -> bool:
        """True when the operation needs no authentication (`security: []`)."""
        op = self.operation(method, template)
        security = op.get("security") if op else None
        if security is None:
            security = self.doc.get("security", [])
        return security == []

    def query_parameters(self, method: str, template: str) -> list[dict[str, Any]]:
        """The operation's `in: query` parameters, `$ref`s resolved."""
        op = self.operation(method, template)
        if op is None:
            return []
        params = [*self.doc["paths"][template].get("parameters", []), *op.get("parameters", [])]
        resolved = [self._resolve(p) for p in params]
        return [p for p in resolved if p.get("in") == "query"]

    def request_errors(self, method: str, template: str, body: Any) -> list[Any]:
        """jsonschema errors of a JSON request body against the operation's requestBody."""
        op = self.operation(method, template)
        content = (op or {}).get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            return []
        ref = _pointer("paths", template, method.lower(), "requestBody", "content")
        ref += "/" + _pointer("application/json", "schema")
        return sorted(self._validator(ref).iter_errors(body), key=lambda e: list(e.path))

    def check_response(self, method: str, template: str, status: int, body: Any) -> None:
        """Raise SpecViolation unless `body` is what the spec allows for this answer."""
        where = f"{method.upper()} {template} -> {status}"
        op = self.operation(method, template)
        if op is None:
            raise SpecViolation(f"{method.upper()} {template} is not described by the spec")
        responses = op.get("responses", {})
        response = responses.get(str(status)) or responses.get(status)
        if response is None:
            if status < 400 and status != 202:
                raise SpecViolation(f"{where}: status not documented for this operation")
            self._check(self._compiled("error", ERROR_BODY), body, where + " (error body)")
            return
        content = response.get("content")
        if not content:
            if body not in (None, b"", ""):
                raise SpecViolation(f"{where}: the spec documents no body, got {body!r:.200}")
            return
        if "application/json" not in content:
            raise SpecViolation(f"{where}: the spec documents no JSON body")
        ref = _pointer("paths", template, method.lower(), "responses", str(status), "content")
        ref += "/" + _pointer("application/json", "schema")
        self._check(self._validator(ref), body, where)

    def _check(self, validator: Draft4Validator, body: Any, where: str) -> None:
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        if errors:
            lines = [
                f"  at /{'/'.join(map(str, e.absolute_path))}: {e.message:.300}" for e in errors
            ]
            raise SpecViolation(f"{where} breaks the spec:\n" + "\n".join(lines[:10]))

    def _validator(self, pointer: str) -> Draft4Validator:
        return self._compiled(pointer, {"$ref": f"{SPEC_URI}#/{pointer}"})

    def _compiled(self, key: str, schema: dict[str, Any]) -> Draft4Validator:
        if key not in self._validators:
            self._validators[key] = Draft4Validator(schema, registry=self._registry)
        return self._validators[key]

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = self.doc
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return copy.deepcopy(node)


@lru_cache(maxsize=4)
def load_spec(path: str | None = None) -> OpenApiSpec:
    """The spec at `path` (default: `spec_path()`), parsed once per process."""
    return OpenApiSpec(path or spec_path())
