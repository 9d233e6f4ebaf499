"""Templates, labels, languages and the headers every console page is sent with.

Every text of the console is in `templates/` and `labels.yml` (French, translated through the
`console` gettext domain: `api.console.i18n`); Python passes codes.
"""

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import jinja2
import yaml
from babel.numbers import format_decimal
from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates

from api.console.i18n import page_language, translations
from api.console.security import console_path, csrf_token, send_new_csrf_secret
from api.enums import Scope

HERE = Path(__file__).resolve().parent
LABELS_FILE = HERE / "labels.yml"

# Personal data: never cached, never framed, never leaked in a Referer; no script at all.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}

_FRENCH_MOBILE = re.compile(r"\+33([1-9])(\d{2})(\d{2})(\d{2})(\d{2})")


def load_labels(path: Path = LABELS_FILE) -> dict[str, dict[str, str]]:
    """The label tables: {table: {code: French label}}."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise ValueError(f"{path}: expected tables of labels")
    return {
        str(table): {str(code): str(text) for code, text in entries.items()}
        for table, entries in document.items()
    }


LABELS = load_labels()


@jinja2.pass_context
def label(context: jinja2.runtime.Context, table: str, code: object) -> str:
    """The label of `code` in `table` in the page's language, or the code when it has none."""
    text = "" if code is None else str(code)
    known = LABELS.get(table, {}).get(text)
    if known is None:
        return text
    return str(context["translations"].gettext(known))


@jinja2.pass_context
def _gettext(context: jinja2.runtime.Context, message: str) -> str:
    return str(context["translations"].gettext(message))


@jinja2.pass_context
def _ngettext(context: jinja2.runtime.Context, singular: str, plural: str, count: int) -> str:
    return str(context["translations"].ngettext(singular, plural, count))


@jinja2.pass_context
def number(context: jinja2.runtime.Context, value: float | int, digits: int = 0) -> str:
    """A number as the page's language writes it (24,5 in French, 24.5 in English)."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=context["lang"])


@jinja2.pass_context
def local_datetime(context: jinja2.runtime.Context, value: datetime | None) -> str:
    """A timestamp in the programme's timezone, day first: 22/11/2026 10:05."""
    if value is None:
        return ""
    tz: ZoneInfo = context["tz"]
    return value.astimezone(tz).strftime("%d/%m/%Y %H:%M")


@jinja2.pass_context
def local_date(context: jinja2.runtime.Context, value: datetime | None) -> str:
    """The day of a timestamp in the programme's timezone: 22/11/2026."""
    if value is None:
        return ""
    tz: ZoneInfo = context["tz"]
    return value.astimezone(tz).strftime("%d/%m/%Y")


def phone_display(number: str) -> str:
    """A French number as people write it (+33 6 12 34 56 78); others unchanged."""
    match = _FRENCH_MOBILE.fullmatch(number)
    return "+33 " + " ".join(match.groups()) if match else number


@jinja2.pass_context
def page_path(
    context: jinja2.runtime.Context,
    path: str,
    query: dict[str, Any] | None = None,
    **changes: Any,
) -> str:
    """The path of a console page with `query` and `changes` as its query string.

    Empty values are left out, so `page_path("/candidatures", filters, status="")` is the list
    with the same filters but any status.
    """
    request: Request = context["request"]
    merged = {**(query or {}), **changes}
    kept = {name: str(value) for name, value in merged.items() if value not in (None, "")}
    suffix = f"?{urlencode(kept)}" if kept else ""
    return console_path(request, path) + suffix


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # Each page's catalogue comes with its context (`translations`), so one environment
    # serves every language; newstyle: `_("… %(name)s", name=…)` escapes what it inserts.
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["label"] = label
    env.globals["labels"] = LABELS
    env.filters["number"] = number
    env.globals["page_path"] = page_path
    env.filters["local_datetime"] = local_datetime
    env.filters["local_date"] = local_date
    env.filters["phone"] = phone_display
    return env


templates = Jinja2Templates(env=_environment())


def secure(response: Response) -> Response:
    """Add the console's security headers."""
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    return response


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    """A console page: the template with what every page needs (who, CSRF token, timezone)."""
    settings = request.app.state.settings
    principal = getattr(request.state, "console_principal", None)
    language = page_language(request)
    full: dict[str, Any] = {
        "lang": language,
        "translations": translations(language),
        "principal": principal,
        "is_admin": principal is not None and Scope.keys_admin in principal.scopes,
        "can_admin_workshops": principal is not None and Scope.workshops_admin in principal.scopes,
        "account_name": getattr(request.state, "console_account_name", ""),
        "territory_names": getattr(request.state, "console_territory_names", {}),
        "csrf_token": csrf_token(request),
        "tz": ZoneInfo(settings.timezone),
        "message": None,
        "errors": {},
    }
    full.update(context or {})
    response = templates.TemplateResponse(request, template, full, status_code=status_code)
    send_new_csrf_secret(request, response)
    return secure(response)


def redirect(request: Request, path: str, **query: str) -> Response:
    """A 303 to a console page (after a form: the browser then GETs it)."""
    suffix = f"?{urlencode(query)}" if query else ""
    return secure(RedirectResponse(console_path(request, path) + suffix, status_code=303))
