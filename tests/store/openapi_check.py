"""Conformance of the REST binding: each request and response checked against GS1's OpenAPI
document (`openapi-core`), and each EPCIS document in a response against GS1's JSON Schema
(draft-07, format checks on: the OpenAPI validator reads GS1's schema as OpenAPI 3.0 and skips
its draft-07 keywords). Built only when GS1's files are there; the tests skip otherwise.

GS1's OpenAPI document is adjusted where it cannot be met, as little as possible:

* `servers`: the binding is served under `/epcis`;
* the `oneOf` of `CaptureJob` (between a job with `errors` and one with `errorFile`, each given
  by `properties` only: every job matches both, so no job could be valid) is read as `anyOf`;
* the `Link` header's `format: uri` is dropped: a Link header is `<uri>; rel="next"` (RFC 8288,
  and GS1's own example), never a bare URI;
* the 409 problem's `status` is 409 (GS1's document says 406 there, beside its own example's
  409);
* `GET /events` gets the `400QueryIssues` answer GS1 defines for the same query parameters on
  `/queries`, for a parameter the store cannot answer (GS1's document lists no 400 there).

The spec validator is off: GS1's document uses PCRE patterns (`\\g<element>`) that are not
ECMA regular expressions. Its external `$ref`s to GS1's JSON Schema stub resolve to GS1's JSON
Schema file. A request is checked when the store accepted it (a refused request was meant to be
wrong); every response is checked, but a 404 for a path GS1's document does not have.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import SplitResult, parse_qsl, unquote

import yaml
from jsonschema_path import SchemaPath
from openapi_core import Config, OpenAPI
from openapi_core.templating.paths.exceptions import PathNotFound
from openapi_core.testing import MockRequest, MockResponse

from tests import epcis_schema


class Gs1OpenApi:
    def __init__(self) -> None:
        spec = yaml.safe_load(epcis_schema.gs1_file("openapi.yaml").read_text())
        schema = json.loads(epcis_schema.gs1_file(epcis_schema.FILE).read_text())
        spec["servers"] = [{"url": "/epcis"}]
        components = spec["components"]
        job = components["schemas"]["CaptureJob"]["allOf"][1]
        job["anyOf"] = job.pop("oneOf")
        del components["schemas"]["Link"]["format"]
        exists = components["responses"]["409ResourceAlreadyExistsException"]["content"]
        exists["application/problem+json"]["schema"]["allOf"][0]["properties"]["status"] = {
            "type": "integer",
            "enum": [409],
        }
        query_issues = {"$ref": "#/components/responses/400QueryIssues"}
        spec["paths"]["/events"]["get"]["responses"]["400"] = query_issues

        def stub(uri: str) -> Any:
            return schema if "JSON-Schema-Stub.json" in uri else {}  # else: an example

        paths = SchemaPath.from_dict(spec, handlers={"https": stub, "http": stub})
        problems = {"application/problem+json": json.loads}  # RFC 7807 is JSON
        config = Config(spec_validator_cls=None, extra_media_type_deserializers=problems)
        self.app = OpenAPI(paths, config=config)
        self.schema = epcis_schema.validator()
        self.checked = 0

    def check(
        self,
        method: str,
        url: SplitResult,
        headers: dict[str, str],
        body: bytes | None,
        reply: Any,
    ) -> None:
        """Raises when the request or the response does not conform."""
        pattern, path_params = _path_parameters(url.path)
        request = MockRequest(
            "http://localhost",
            method.lower(),
            url.path,
            path_pattern=pattern,
            view_args=path_params,
            args=dict(parse_qsl(url.query)),
            headers=headers,
            data=body,
            content_type=headers.get("Content-Type", "application/json"),
        )
        if reply.status < 400:
            self.app.validate_request(request)
        elif reply.status == 404 and not self._known(url.path):
            return
        content_type = reply.headers.get("Content-Type", "application/json")
        response = MockResponse(
            reply.body, status_code=reply.status, headers=reply.headers, content_type=content_type
        )
        self.app.validate_response(request, response)
        if reply.body and content_type == "application/json":
            value = json.loads(reply.body)
            if isinstance(value, dict) and value.get("type", "").startswith("EPCIS"):
                assert epcis_schema.errors(self.schema, value) == []
        self.checked += 1

    def _known(self, path: str) -> bool:
        try:
            self.app.validate_request(MockRequest("http://localhost", "get", path))
        except PathNotFound:
            return False
        except Exception:
            return True
        return True


def _path_parameters(path: str) -> tuple[str | None, dict[str, str] | None]:
    """The path template and the decoded parameter of a path with an identifier in it (an
    eventID is a URI: percent-encoded in the path, checked decoded)."""
    for template in ("/epcis/events/{eventID}", "/epcis/capture/{captureID}"):
        head, name = template.split("{")
        rest = path.removeprefix(head)
        if rest != path and rest and "/" not in rest:
            return template, {name.rstrip("}"): unquote(rest)}
    return None, None
