"""The content API's entry point: one NinjaAPI at /api/v1/ (OpenAPI 3.1 at
/api/v1/openapi.json, browsable docs at /api/v1/docs with django-ninja's own Swagger assets
from static), its read and write routers, and every error as RFC 9457 problem+json."""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from articles.api.http import BAD_KEY, ApiProblem, problem
from articles.api.views import reads, writes


class NewsroomAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """Reads work with a key or without one: say so (`{}` is "no authentication")."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                if "Read" in operation.get("tags", ()) and operation.get("security"):
                    operation["security"] = [*operation["security"], {}]
        return schema


api = NewsroomAPI(
    title="Newsroom content API",
    version="1",
    description="Published articles, sections, tags, authors and corrections; drafts, images "
    "and workflow steps with an API key. Guide: docs/api.md.",
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("/", reads.router)  # with the writes (articles/api/views/writes.py)
writes.error_handlers(api)


@api.exception_handler(ApiProblem)
def api_problem(request, exc):
    response = problem(exc.status, exc.detail, **exc.extra)
    if exc.status == 429 and "retry_after" in exc.extra:
        response["Retry-After"] = str(exc.extra["retry_after"])
    return response


@api.exception_handler(NinjaValidationError)
def invalid(request, exc):
    errors = [
        {"loc": [str(part) for part in error.get("loc", ())], "msg": str(error.get("msg", ""))}
        for error in exc.errors
    ]
    return problem(400, "The request is not valid: see `errors`.", errors=errors)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    response = problem(401, BAD_KEY)
    response["WWW-Authenticate"] = 'Bearer realm="newsroom"'
    return response


@api.exception_handler(HttpError)
def http_error(request, exc):
    return problem(exc.status_code, str(exc))


@api.exception_handler(Http404)
def not_found(request, exc):
    return problem(404, "Not found.")


@api.exception_handler(OverflowError)
def out_of_range(request, exc):
    return problem(400, "A number or date is out of range.")
