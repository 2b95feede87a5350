"""The contract: OpenAPI 3.1 committed and checked, local docs, and every endpoint fuzzed from
its own schema (schemathesis, on the suite's pinned hypothesis): hostile input is a 4xx.

After an intended change to the API, regenerate the committed schema with:

    python manage.py export_openapi_schema --api articles.api.views.api --indent 2 \\
        --sorted --output docs/api/openapi.json
"""

import json
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from hypothesis.extra.django import TestCase as HypothesisTestCase
from schemathesis import GenerationMode

from articles.api.views import api
from tests.articles.api.helpers import bearer, key_for
from tests.factories import ArticleFactory, AuthorFactory, UserFactory

COMMITTED = Path(__file__).resolve().parents[3] / "docs" / "api" / "openapi.json"
REGENERATE = (
    "python manage.py export_openapi_schema --api articles.api.views.api --indent 2 --sorted "
    "--output docs/api/openapi.json"
)


class SchemaTests(TestCase):
    def test_the_committed_schema_is_the_served_one(self):
        served = self.client.get("/api/v1/openapi.json").json()
        assert served["openapi"].startswith("3.1")
        committed = json.loads(COMMITTED.read_text())
        assert served == committed, f"The API changed; if intended, run: {REGENERATE}"

    def test_docs_use_local_assets_under_the_csp(self):
        response = self.client.get("/api/v1/docs")
        assert response.status_code == 200
        html = response.content.decode()
        assert "/static/ninja/swagger-ui-bundle.js" in html
        assert "cdn" not in html.lower() and "https://" not in html
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp

    def test_every_operation_documents_problem_responses(self):
        schema = self.client.get("/api/v1/openapi.json").json()
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                with self.subTest(path=path, method=method):
                    assert "400" in operation["responses"] or "404" in operation["responses"]


SCHEMA = schemathesis.openapi.from_dict(api.get_openapi_schema())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
GUARD = "text/plain"  # articles.delivery.guards answers control characters before the API


def _send(client, case, extra):
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    parts = urlsplit(kwargs["url"])
    params = kwargs.get("params") or {}
    query = urlencode(params, doseq=True) if isinstance(params, dict) else str(params)
    path = parts.path + (f"?{query}" if query else "")
    headers = {
        f"HTTP_{name.upper().replace('-', '_')}": value
        for name, value in (kwargs.get("headers") or {}).items()
        if name.lower() not in {"content-type", "content-length", "authorization"}
    }
    headers.update(extra)
    method = kwargs["method"].upper()
    if case.media_type == "multipart/form-data":
        data = {}
        for name, value in (case.body if isinstance(case.body, dict) else {}).items():
            if isinstance(value, bytes):
                value = SimpleUploadedFile(f"{name}.jpg", value)
            data[name] = "" if value is None else value
        return client.post(path, data=data, **headers)
    if "json" in kwargs:
        body = json.dumps(kwargs["json"])
        return client.generic(method, path, body, "application/json", **headers)
    if kwargs.get("data") is not None:
        body = kwargs["data"]
        content_type = (kwargs.get("headers") or {}).get("Content-Type", "text/plain")
        return client.generic(method, path, body, content_type, **headers)
    return client.generic(method, path, **headers)


class FuzzTests(HypothesisTestCase):
    """Every operation, valid and invalid input, with an editor's key and anonymously."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        editor = UserFactory(username="fuzz-editor", role="Editor")
        AuthorFactory(user=editor)
        _, cls.token = key_for(editor, write=True, drafts=True, rate_limit=100_000)
        ArticleFactory(id=1, tags=["Fuzz"])
        ArticleFactory(id=2, in_review=True)

    def check(self, response, case):
        where = f"{case.method} {case.formatted_path} {case.query!r} {case.body!r}"[:500]
        assert response.status_code < 500, where
        if response.status_code in (400, 401, 403, 409, 422, 429):
            kind = response["Content-Type"]
            assert kind == "application/problem+json" or kind.startswith(GUARD), where


def _fuzz(operation, mode, keyed):
    @settings(
        max_examples=10,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(self, case):
        extra = bearer(self.token) if keyed else {}
        self.check(_send(self.client, case, extra), case)

    def test(self):
        try:
            fuzz(self)
        except Unsatisfiable:  # nothing invalid can be made for this operation's parameters
            self.skipTest("no invalid input exists for this operation")

    return test


for _operation in OPERATIONS:
    for _mode in GenerationMode:
        for _keyed in (True, False):
            _name = (
                (
                    f"test_{_operation.method}_{_operation.path.strip('/').replace('/', '_')}"
                    f"_{_mode.value}_{'key' if _keyed else 'anonymous'}"
                )
                .replace("{", "")
                .replace("}", "")
                .replace("-", "_")
            )
            setattr(FuzzTests, _name, _fuzz(_operation, _mode, _keyed))
