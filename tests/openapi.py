"""Check requests and responses against GitHub's official OpenAPI description."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openapi_schema_validator import (
    OAS30ReadValidator,
    OAS30WriteValidator,
    oas30_format_checker,
)
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

NODE_MODULES = Path(__file__).resolve().parent / "node" / "node_modules"
SPEC_PATH = NODE_MODULES / "@octokit" / "openapi" / "generated" / "api.github.com.json"
SPEC_URI = "urn:github:api.github.com"
MISSING = f"{SPEC_PATH} is absent: run `npm ci` in tests/node to get @octokit/openapi"


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


class OpenAPI:
    """Finds the operation of a request and validates bodies against its schemas."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        resource = Resource.from_contents(spec, default_specification=DRAFT4)
        self.registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
        self.routes: list[tuple[re.Pattern[str], str, int]] = []
        for template in spec["paths"]:
            regex = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
            literal = len(re.sub(r"\{[^/]+?\}", "", template))
            self.routes.append((re.compile(regex + "$"), template, literal))

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any]]:
        """The path template and operation object for ``method path``."""
        matches = [(lit, tpl) for rx, tpl, lit in self.routes if rx.match(path)]
        for _, template in sorted(matches, reverse=True):
            op = self.spec["paths"][template].get(method.lower())
            if op is not None:
                return template, op
        raise LookupError(f"{method} {path} is not an operation of GitHub's REST API")

    def _errors(self, write: bool, pointer: str, instance: Any) -> list[str]:
        cls = OAS30WriteValidator if write else OAS30ReadValidator
        validator = cls(
            {"$ref": f"{SPEC_URI}#/{pointer}"},
            registry=self.registry,
            format_checker=oas30_format_checker,
        )
        return [
            f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message[:300]}"
            for e in validator.iter_errors(instance)
        ]

    def _parameters(self, template: str, op: dict[str, Any]) -> list[dict[str, Any]]:
        params = list(self.spec["paths"][template].get("parameters", []))
        params += op.get("parameters", [])
        resolved = []
        for param in params:
            if "$ref" in param:
                name = param["$ref"].rsplit("/", 1)[1]
                param = self.spec["components"]["parameters"][name]
            resolved.append(param)
        return resolved

    def request_problems(
        self, method: str, path: str, query: Mapping[str, list[str]], body: Any
    ) -> list[str]:
        """What is wrong with a request modelbot sent, by the spec."""
        try:
            template, op = self.operation(method, path)
        except LookupError as exc:
            return [str(exc)]
        where = f"{method} {template}"
        problems = []
        declared = {
            p["name"]: p for p in self._parameters(template, op) if p["in"] == "query"
        }
        for name, values in query.items():
            param = declared.get(name)
            if param is None:
                problems.append(f"{where}: unknown query parameter {name!r}")
                continue
            schema = param.get("schema", {})
            for value in values:
                if schema.get("type") == "integer" and not re.fullmatch(
                    r"-?\d+", value
                ):
                    problems.append(f"{where}: {name}={value!r} is not an integer")
        content = op.get("requestBody", {}).get("content", {}).get("application/json")
        if content is None:
            if body is not None:
                problems.append(f"{where}: takes no JSON body")
            return problems
        if body is None and op["requestBody"].get("required"):
            return [*problems, f"{where}: the JSON body is missing"]
        pointer = _pointer(
            "paths",
            template,
            method.lower(),
            "requestBody",
            "content",
            "application/json",
            "schema",
        )
        return problems + [
            f"{where} request {e}" for e in self._errors(True, pointer, body)
        ]

    def response_problems(
        self, method: str, path: str, status: int, body: Any
    ) -> list[str]:
        """What is wrong with a response the fake server sent, by the spec."""
        try:
            template, op = self.operation(method, path)
        except LookupError as exc:
            return [str(exc)]
        where = f"{method} {template} -> {status}"
        responses = op["responses"]
        key = str(status) if str(status) in responses else "default"
        if key not in responses:
            if status < 400:
                return [f"{where}: status not declared ({', '.join(responses)})"]
            # Error statuses GitHub may send anywhere (401, 403, 429, 5xx) are
            # not all declared per operation; they carry a basic error.
            pointer = "components/schemas/basic-error"
        else:
            response = responses[key]
            if "$ref" in response:
                response = self.spec["components"]["responses"][
                    response["$ref"].rsplit("/", 1)[1]
                ]
                pointer = _pointer(
                    "components",
                    "responses",
                    responses[key]["$ref"].rsplit("/", 1)[1],
                    "content",
                    "application/json",
                    "schema",
                )
            else:
                pointer = _pointer(
                    "paths",
                    template,
                    method.lower(),
                    "responses",
                    key,
                    "content",
                    "application/json",
                    "schema",
                )
            if "application/json" not in response.get("content", {}):
                return (
                    []
                    if body is None or status >= 400
                    else [f"{where}: has no JSON body"]
                )
        return [f"{where} response {e}" for e in self._errors(False, pointer, body)]


@functools.cache
def load_openapi() -> OpenAPI:
    """GitHub's REST API description, parsed once per test session."""
    return OpenAPI(json.loads(SPEC_PATH.read_text(encoding="utf-8")))
