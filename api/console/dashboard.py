"""The console's dashboard: applications by week, verdict, territory and language, and delays.

Charts are SVG drawn on the server (no script, no library, nothing from elsewhere), each with
its numbers in a table beside it.
"""

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request, Response

from api.audit import record
from api.console.rendering import render
from api.console.security import signed_in
from api.deps import ReadSessionDep, SessionDep
from api.models.base import utcnow
from api.security import Principal
from api.services.dashboard import build_dashboard

router = APIRouter(prefix="/console", include_in_schema=False)

Reader = Annotated[Principal, Depends(signed_in())]


@router.get("/tableau-de-bord", name="console_dashboard")
def dashboard_page(
    request: Request, principal: Reader, reads: ReadSessionDep, session: SessionDep
) -> Response:
    """Figures over the applications this operator sees (counts only, no personal data)."""
    tz = ZoneInfo(request.app.state.settings.timezone)
    board = build_dashboard(reads, principal, tz, utcnow())
    reads.commit()
    record(session, principal, "read", "dashboard")
    session.commit()
    return render(request, "dashboard.html", {"board": board, "section": "dashboard"})
