"""An index of a loaded RulePolicy's rules by what their last turn requires.

Rasa's `RulePolicy._get_possible_keys` checks every memorised rule (548 here, plus 129 for
forms' unhappy paths) against the conversation's last state on every prediction, several
predictions per message: a fifth of the Rasa server's time per message. Most rules require
an exact user intent or previous action in their last turn, so a dictionary from that
requirement to its rules gives the few that can match; Rasa's own check then runs on those
few. The result is the same set of rules, because a rule is left out only when the state
lacks a value the rule's own check would require.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Sub-state and key of the values rules are indexed by; the user's intent first (the most
# selective). Rasa's state keys: rasa.shared.core.constants USER / PREVIOUS_ACTION.
USER_INTENT = ("user", "intent")
PREVIOUS_ACTION_NAME = ("prev_action", "action_name")
PREVIOUS_ACTION = "prev_action"

State = Mapping[str, Mapping[str, Any]]
Atom = tuple[str, str, str]


def _required(state: State, sub_state: str, key: str, should_not_be_set: str) -> str | None:
    """The string value a rule's state requires for one key, if it requires one."""
    value = state.get(sub_state, {}).get(key)
    if isinstance(value, str) and value and value != should_not_be_set:
        return value
    return None


def _atom_of(last: State, should_not_be_set: str) -> Atom | None:
    """The requirement a rule is filed under, or None when it must always be checked."""
    # Rasa applies a rule whose last turn has no previous action to any conversation start,
    # whatever its intent: only rules with a previous action are filed at all.
    if not last.get(PREVIOUS_ACTION):
        return None
    for sub_state, key in (USER_INTENT, PREVIOUS_ACTION_NAME):
        value = _required(last, sub_state, key, should_not_be_set)
        if value is not None:
            return (sub_state, key, value)
    return None


@dataclass(frozen=True)
class RuleIndex:
    """The rules of one lookup, filed by a value their last turn requires."""

    lookup: Mapping[str, Any]
    by_atom: Mapping[Atom, tuple[str, ...]]
    always: tuple[str, ...]
    longest: int

    @classmethod
    def build(
        cls,
        lookup: Mapping[str, Any],
        states_of: Callable[[str], Sequence[State]],
        should_not_be_set: str,
    ) -> RuleIndex:
        """Index every rule key of `lookup` (`states_of` decodes a key into its states)."""
        by_atom: dict[Atom, list[str]] = {}
        always: list[str] = []
        longest = 0
        for rule_key in lookup:
            states = states_of(rule_key)
            longest = max(longest, len(states))
            atom = _atom_of(states[-1], should_not_be_set) if states else None
            if atom is None:
                always.append(rule_key)
            else:
                by_atom.setdefault(atom, []).append(rule_key)
        return cls(
            lookup=lookup,
            by_atom={atom: tuple(keys) for atom, keys in by_atom.items()},
            always=tuple(always),
            longest=longest,
        )

    def candidates(self, last_state: State) -> Collection[str]:
        """The rules that may apply to a conversation whose last state is `last_state`."""
        found = list(self.always)
        for sub_state, key in (USER_INTENT, PREVIOUS_ACTION_NAME):
            value = last_state.get(sub_state, {}).get(key)
            if isinstance(value, str):
                found.extend(self.by_atom.get((sub_state, key, value), ()))
        return found

    def possible_keys(
        self,
        states: Sequence[State],
        applies: Callable[[str, int, State], bool],
    ) -> set[str]:
        """What `RulePolicy._get_possible_keys(lookup, states)` returns, for non-empty states."""
        turns = list(reversed(states))
        possible = {key for key in self.candidates(turns[0]) if applies(key, 0, turns[0])}
        for turn_index, state in enumerate(turns[1:], start=1):
            # Rasa's check passes every rule shorter than the turns gone back: no need to go on.
            if turn_index >= self.longest or not possible:
                break
            possible = {key for key in possible if applies(key, turn_index, state)}
        return possible
