"""What SMS conversations cost: segments and encoding per SMS, totals per conversation.

Input, per language, the bot's turns of one conversation (each turn: the texts of its
messages, choices already rendered as numbered lines), e.g. from an end-to-end transcript.
Each turn is planned exactly as the SMS channel sends it (`bot.channels.sms_output.plan_sms`),
for several values of `max_segments`, so the choice of the channel's limit can be checked
against real conversations. `scripts/sms_segments_report.py` is the command line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.channels.gsm import SmsStats, ucs2_characters
from bot.channels.sms_output import plan_sms

Turns = Sequence[Sequence[str]]


@dataclass(frozen=True)
class SmsLine:
    """One SMS as sent."""

    turn: int
    encoding: str
    segments: int
    chars: int
    ucs2_characters: str
    text: str


@dataclass
class ConversationCost:
    """The SMS of one conversation, for one `max_segments`."""

    language: str
    max_segments: int
    sms: list[SmsLine] = field(default_factory=list)

    @property
    def total_sms(self) -> int:
        return len(self.sms)

    @property
    def total_segments(self) -> int:
        return sum(line.segments for line in self.sms)

    @property
    def ucs2_sms(self) -> int:
        return sum(1 for line in self.sms if line.encoding == "UCS-2")

    def summary(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "max_segments": self.max_segments,
            "sms": self.total_sms,
            "segments": self.total_segments,
            "ucs2_sms": self.ucs2_sms,
        }


def cost_of_sent(language: str, bodies: Iterable[str], max_segments: int = 0) -> ConversationCost:
    """The cost of SMS bodies exactly as they were sent (numbered 1, 2, … in `turn`)."""
    cost = ConversationCost(language, max_segments)
    for turn, body in enumerate(bodies, start=1):
        cost.sms.append(_line(turn, body))
    return cost


def cost_of_turns(language: str, turns: Turns, max_segments: int) -> ConversationCost:
    """The cost of a conversation's bot turns, planned as the channel plans them."""
    cost = ConversationCost(language, max_segments)
    for turn, texts in enumerate(turns, start=1):
        for body in plan_sms(list(texts), max_segments):
            cost.sms.append(_line(turn, body))
    return cost


def _line(turn: int, body: str) -> SmsLine:
    stats = SmsStats.of(body)
    return SmsLine(
        turn=turn,
        encoding=stats.encoding,
        segments=stats.segments,
        chars=stats.chars,
        ucs2_characters="".join(ucs2_characters(body)),
        text=body,
    )


def compare_limits(
    transcripts: Mapping[str, Turns], limits: Sequence[int] = (1, 2, 3)
) -> list[dict[str, Any]]:
    """Totals per language for each `max_segments`."""
    return [
        cost_of_turns(language, turns, limit).summary()
        for language, turns in transcripts.items()
        for limit in limits
    ]


def format_report(costs: Sequence[ConversationCost], *, show_text: bool = False) -> str:
    """A plain-text table: one line per SMS, then the totals."""
    out: list[str] = []
    for cost in costs:
        out.append(
            f"== {cost.language}: {cost.total_sms} SMS, {cost.total_segments} segments, "
            f"{cost.ucs2_sms} in UCS-2 (max {cost.max_segments or '-'} segments per SMS)"
        )
        out.append(f"{'turn':>4} {'enc':<5} {'seg':>3} {'chars':>5}  forced UCS-2 by")
        for line in cost.sms:
            text = f"  | {line.text!r}" if show_text else ""
            out.append(
                f"{line.turn:>4} {line.encoding:<5} {line.segments:>3} {line.chars:>5}  "
                f"{line.ucs2_characters}{text}"
            )
    return "\n".join(out)


def as_json(costs: Sequence[ConversationCost]) -> list[dict[str, Any]]:
    """Costs as JSON-ready dictionaries."""
    return [{**cost.summary(), "sms": [asdict(line) for line in cost.sms]} for cost in costs]
