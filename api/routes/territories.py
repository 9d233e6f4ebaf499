"""Host territories: the catalogue any key may read and admins keep up to date."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from api.deps import SessionDep, get_principal, require
from api.enums import Language, Scope, Sector
from api.errors import error_responses, not_found
from api.models import Territory
from api.schemas.territories import (
    TERRITORY_CODE_PATTERN,
    TerritoryData,
    TerritoryOut,
    TerritoryRecord,
)
from api.security import Principal
from api.services.territories import list_territories, upsert_territory

router = APIRouter(tags=["territories"])

# Every handler commits before it returns: FastAPI validates the answer in another threadpool
# slot, and a transaction held over that hop can starve the pool when many requests wait.

AnyKey = Annotated[Principal, Depends(get_principal)]
CodePath = Annotated[
    str,
    Path(pattern=TERRITORY_CODE_PATTERN, description="e.g. `cantal`, `maine_et_loire`"),
]
LangQuery = Annotated[
    Language,
    Query(description="Language of the texts; French is given where a text is not translated."),
]


@router.get("/territories", response_model=list[TerritoryOut], responses=error_responses(401, 422))
def get_territories(
    session: SessionDep,
    _principal: AnyKey,
    active: Annotated[bool | None, Query(description="Only active (or inactive) ones")] = None,
    sector: Annotated[Sector | None, Query(description="Only those hiring in this sector")] = None,
    lang: LangQuery = Language.fr,
) -> list[TerritoryOut]:
    """Host territories, by code, with their texts in `lang`."""
    found = [TerritoryOut.of(t, lang) for t in list_territories(session, active, sector)]
    session.commit()
    return found


@router.get(
    "/territories/{code}", response_model=TerritoryOut, responses=error_responses(401, 404, 422)
)
def get_territory(
    session: SessionDep, _principal: AnyKey, code: CodePath, lang: LangQuery = Language.fr
) -> TerritoryOut:
    """One territory, with its texts in `lang`."""
    territory = session.get(Territory, code)
    if territory is None:
        raise not_found("territory")
    found = TerritoryOut.of(territory, lang)
    session.commit()
    return found


@router.put(
    "/territories/{code}",
    response_model=TerritoryRecord,
    responses={
        201: {"model": TerritoryRecord, "description": "Territory created"},
        **error_responses(400, 401, 403, 422),
    },
)
def put_territory(
    session: SessionDep,
    _principal: Annotated[Principal, Depends(require(Scope.territories_admin))],
    code: CodePath,
    body: TerritoryData,
    response: Response,
) -> TerritoryRecord:
    """Create the territory `code` (201) or replace what is known about it (200)."""
    territory, created = upsert_territory(session, code, body)
    if created:
        response.status_code = 201
    stored = TerritoryRecord.of(territory)
    session.commit()
    return stored
