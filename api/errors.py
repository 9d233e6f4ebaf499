"""JSON errors with a clear message, and the OpenAPI description of them."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    """Every error the API returns: a human-readable message and a stable code."""

    detail: str
    code: str


class ApiError(Exception):
    """An error meant for the client: status, stable code and message."""

    def __init__(
        self, status_code: int, code: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.code = code
        self.detail = detail
        self.headers = headers or {}


def not_found(what: str) -> ApiError:
    """404 for a resource that does not exist or that the caller may not see."""
    return ApiError(404, "not_found", f"{what} not found")


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the given error statuses."""
    descriptions = {
        400: "Bad request",
        401: "Missing or invalid API key",
        403: "The API key lacks the scope for this",
        404: "Not found, or not visible to this API key",
        409: "Conflict with the current state",
        410: "Gone: erased for good",
        413: "The request body is too large",
        422: "Invalid input",
        429: "Too many requests: wait for the Retry-After seconds",
    }
    return {c: {"model": ErrorBody, "description": descriptions[c]} for c in codes}


def _body(status_code: int, code: str, detail: str) -> JSONResponse:
    return JSONResponse(status_code=status_code, content={"detail": detail, "code": code})


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
}


def install_error_handlers(app: FastAPI) -> None:
    """Render every error as `{"detail": str, "code": str}`."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        response = _body(exc.status_code, exc.code, exc.detail)
        response.headers.update(exc.headers)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "error")
        response = _body(exc.status_code, code, str(exc.detail))
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        messages = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
            messages.append(f"{where}: {error.get('msg', 'invalid')}" if where else error["msg"])
        return _body(422, "invalid_input", "; ".join(messages) or "invalid input")

    @app.exception_handler(IntegrityError)
    async def _integrity_error(_request: Request, _exc: IntegrityError) -> JSONResponse:
        return _body(409, "conflict", "this conflicts with data already stored")

    @app.exception_handler(OperationalError)
    async def _database_unavailable(_request: Request, exc: OperationalError) -> JSONResponse:
        logger.error("database error: %s", exc.orig)
        response = _body(503, "unavailable", "the database is busy or unreachable; try again")
        response.headers["Retry-After"] = "5"
        return response

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, _exc: Exception) -> JSONResponse:
        # Logged by the server with its traceback; the client gets the usual JSON shape.
        return _body(500, "internal_error", "an unexpected error occurred")
