"""Console pages for admins: personal accounts, created, disabled and enabled again."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from api.audit import record
from api.console.forms import parse_id
from api.console.rendering import redirect, render, secure
from api.console.security import ConsoleError, FormFields, check_csrf, safe_next, signed_in
from api.deps import SessionDep
from api.enums import Scope
from api.models import Account
from api.security import Principal
from api.services import accounts as service

router = APIRouter(prefix="/console", include_in_schema=False)

Admin = Annotated[Principal, Depends(signed_in(Scope.keys_admin))]
Person = Annotated[Principal, Depends(signed_in())]
FIELDS = ("email", "name", "role", "language")


def _page(
    request: Request,
    session: Session,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    chosen: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    accounts = service.list_accounts(session)
    session.commit()
    context = {
        "accounts": accounts,
        "errors": errors or {},
        "values": values or {"role": "operator", "language": "fr"},
        "chosen_territories": chosen or [],
        "roles": service.ACCOUNT_ROLES,
        "languages": service.CONSOLE_LANGUAGES,
        "section": "accounts",
        "message": request.query_params.get("message"),
    }
    return render(request, "accounts.html", context, status_code)


@router.get("/comptes", name="console_accounts")
def accounts_page(request: Request, principal: Admin, session: SessionDep) -> Response:
    """Every account, and the form that creates one."""
    return _page(request, session)


@router.post("/comptes", name="console_create_account")
def create_account(
    request: Request, principal: Admin, session: SessionDep, fields: FormFields
) -> Response:
    """Create an account with a first password the admin hands over."""
    check_csrf(request, fields)
    values = {name: fields.get(name, "").strip() for name in FIELDS}
    chosen = sorted(
        name.removeprefix("territory_") for name in fields if name.startswith("territory_")
    )
    errors: dict[str, str] = {}
    for name in ("email", "name"):
        if not values[name]:
            errors[name] = "required"
    if not fields.get("password"):
        errors["password"] = "required"
    if not errors:
        try:
            account = service.create_account(
                session,
                values["email"],
                values["name"],
                values["role"],
                fields.get("password", ""),
                territories=chosen or None,
                language=values["language"],
            )
        except service.AccountError as exc:
            errors[exc.field] = exc.code
        else:
            record(session, principal, "create", "account", account.id, detail=account.role)
            session.commit()
            return redirect(request, "/comptes", message="account_created")
    # The password is never sent back into the page.
    return _page(request, session, errors, values, chosen, 400)


def _account(session: Session, raw_id: str) -> Account:
    number = parse_id(raw_id)
    account = session.get(Account, number) if number is not None else None
    if account is None:
        raise ConsoleError(404, "page")
    return account


@router.post("/comptes/{account_id}/desactivation", name="console_disable_account")
def disable_account(
    request: Request, account_id: str, principal: Admin, session: SessionDep, fields: FormFields
) -> Response:
    """Disable the account: its sessions end at once."""
    check_csrf(request, fields)
    account = _account(session, account_id)
    service.disable_account(session, account)
    record(session, principal, "disable", "account", account.id)
    session.commit()
    return redirect(request, "/comptes", message="account_disabled")


@router.post("/comptes/{account_id}/activation", name="console_enable_account")
def enable_account(
    request: Request, account_id: str, principal: Admin, session: SessionDep, fields: FormFields
) -> Response:
    """Let a disabled account sign in again."""
    check_csrf(request, fields)
    account = _account(session, account_id)
    service.enable_account(session, account)
    record(session, principal, "enable", "account", account.id)
    session.commit()
    return redirect(request, "/comptes", message="account_enabled")


@router.post("/langue", name="console_language")
def choose_language(
    request: Request, principal: Person, session: SessionDep, fields: FormFields
) -> Response:
    """Keep the console's language in the person's account, and show the same page in it."""
    check_csrf(request, fields)
    language = fields.get("language", "")
    account = session.get(Account, principal.account_id) if principal.account_id else None
    if account is None or language not in service.CONSOLE_LANGUAGES:
        raise ConsoleError(400, "bad_form")
    account.language = language
    session.commit()
    back = safe_next(request, fields.get("suite"))
    return secure(RedirectResponse(back, status_code=303)) if back else redirect(request, "/")
