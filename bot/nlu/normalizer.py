"""A whitespace tokenizer whose tokens the featurizers read folded (bot.nlu.folding)."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.folding import ZWNJ, fold


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class FoldingWhitespaceTokenizer(WhitespaceTokenizer):  # type: ignore[misc]
    """Rasa's WhitespaceTokenizer, split on ZWNJ too, each token's lemma folded.

    The CountVectorsFeaturizers read the lemma (their default `use_lemma`); the token's
    text and offsets stay the message's own, so the CRF and the entities' values are
    unchanged unless `fold_text` also folds the text the CRF reads.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Rasa's options, plus whether the token text (read by the CRF) is folded too and
        whether Pashto letters are folded to their Persian-keyboard forms (`fold(pashto=)`)."""
        return {
            **WhitespaceTokenizer.get_default_config(),
            "fold_text": False,
            "fold_pashto": False,
        }

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> FoldingWhitespaceTokenizer:
        """A new tokenizer (nothing to train)."""
        return cls(config)

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        """Rasa's tokens, split at ZWNJ, with folded lemmas (and texts, when configured)."""
        fold_text = bool(self._config.get("fold_text"))
        pashto = bool(self._config.get("fold_pashto"))
        tokens: list[Token] = []
        for token in super().tokenize(message, attribute):
            for part, start in _split_zwnj(token.text, token.start):
                folded = fold(part, pashto=pashto) or part
                tokens.append(
                    Token(
                        folded if fold_text else part,
                        start,
                        end=start + len(part),
                        data=token.data,
                        lemma=folded,
                    )
                )
        return tokens


def _split_zwnj(text: str, start: int) -> list[tuple[str, int]]:
    """The parts of a token between zero-width non-joiners, with their offsets."""
    if ZWNJ not in text:
        return [(text, start)]
    parts: list[tuple[str, int]] = []
    offset = start
    for part in text.split(ZWNJ):
        if part:
            parts.append((part, offset))
        offset += len(part) + 1
    return parts or [(text, start)]
