"""JSON errors with a clear message, and the OpenAPI description of them."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException


class ErrorBody(BaseModel):
    """Every error the API returns: a human-readable message and a stable code."""

    detail: str
    code: str


class ApiError(Exception):
    """An error meant for the client: status, stable code and message."""

    def __init__(self, status_code: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.code = code
        self.detail = detail


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
        422: "Invalid input",
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
    415: "unsupported_media_type",
    422: "invalid_input",
}


def install_error_handlers(app: FastAPI) -> None:
    """Render every error as `{"detail": str, "code": str}`."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return _body(exc.status_code, exc.code, exc.detail)

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
