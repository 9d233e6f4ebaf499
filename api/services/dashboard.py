"""The dashboard's figures, over the applications a principal sees (territories as in lists).

"Contacted within two working days": the first change of status out of `new` (an operator
picked the application up) no later than two working days (Monday to Friday; public holidays
are not counted out) after it arrived. The share is over the applications whose two days are
over or that were picked up already. "Waiting": applications still `new`, from arrival to now.
"""

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, type_coerce
from sqlalchemy.orm import Session

from api.enums import ApplicationStatus, Language, Verdict
from api.models import Application, ApplicationTerritory, StatusChange
from api.models.base import UTCDateTime
from api.security import Principal
from api.services.applications import visible_to

WEEKS = 12


@dataclass
class Dashboard:
    """Counts by week, verdict, territory and language; contact delay; waiting time."""

    weeks: list[tuple[date, int]] = field(default_factory=list)
    by_verdict: list[tuple[str, int]] = field(default_factory=list)
    by_territory: list[tuple[str, int]] = field(default_factory=list)
    by_language: list[tuple[str, int]] = field(default_factory=list)
    total: int = 0
    contact_due: int = 0
    contacted_in_time: int = 0
    waiting: int = 0
    median_wait: timedelta | None = None

    @property
    def contacted_share(self) -> float | None:
        """The share contacted in time, from 0 to 1 (None when nothing is due yet)."""
        return self.contacted_in_time / self.contact_due if self.contact_due else None


def add_working_days(start: datetime, days: int) -> datetime:
    """The same time of day `days` working days (Monday to Friday) later."""
    moment = start
    counted = 0
    while counted < days:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            counted += 1
    return moment


def build_dashboard(
    session: Session, principal: Principal, tz: ZoneInfo, now: datetime
) -> Dashboard:
    """Every figure of the dashboard, for the applications `principal` sees."""
    visible = visible_to(principal, tz)
    rows = session.execute(
        select(Application.id, Application.created_at, Application.verdict, Application.language)
        .add_columns(Application.status)
        .where(*visible)
    ).all()
    board = Dashboard(total=len(rows))
    first_move: dict[int, datetime] = {}
    for application_id, at in session.execute(
        # Typed, so that the minimum is read back as the column is (aware, in UTC).
        select(StatusChange.application_id, type_coerce(func.min(StatusChange.at), UTCDateTime()))
        .join(Application, Application.id == StatusChange.application_id)
        .where(StatusChange.from_status == ApplicationStatus.new, *visible)
        .group_by(StatusChange.application_id)
    ):
        first_move[application_id] = at
    # A preferred territory within the principal's is enough to see the application; one
    # outside them is not counted (the application may prefer others the operator lacks).
    by_code = select(ApplicationTerritory.territory_code, func.count()).group_by(
        ApplicationTerritory.territory_code
    )
    if principal.territories is not None:
        by_code = by_code.where(
            ApplicationTerritory.territory_code.in_(sorted(principal.territories))
        )
    territory_counts: Counter[str] = Counter()
    for code, count in session.execute(by_code):
        territory_counts[code] = count

    this_monday = now.astimezone(tz).date() - timedelta(days=now.astimezone(tz).weekday())
    mondays = [this_monday - timedelta(weeks=w) for w in range(WEEKS - 1, -1, -1)]
    per_week: Counter[date] = Counter()
    verdicts: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    waits: list[timedelta] = []
    for _id, created_at, verdict, language, status in rows:
        local = created_at.astimezone(tz)
        per_week[local.date() - timedelta(days=local.weekday())] += 1
        verdicts[verdict.value] += 1
        languages[language.value] += 1
        picked_up = first_move.get(_id)
        deadline = add_working_days(local, 2)
        if picked_up is not None or deadline <= now:
            board.contact_due += 1
            if picked_up is not None and picked_up.astimezone(tz) <= deadline:
                board.contacted_in_time += 1
        if status == ApplicationStatus.new:
            waits.append(now - created_at)
    board.weeks = [(monday, per_week[monday]) for monday in mondays]
    board.by_verdict = [(v.value, verdicts[v.value]) for v in Verdict]
    board.by_language = [(lang.value, languages[lang.value]) for lang in Language]
    board.by_territory = sorted(territory_counts.items(), key=lambda item: (-item[1], item[0]))
    board.waiting = len(waits)
    if waits:
        board.median_wait = timedelta(seconds=statistics.median(w.total_seconds() for w in waits))
    return board
