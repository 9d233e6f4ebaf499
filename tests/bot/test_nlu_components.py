"""The folding tokenizer and the linear intent classifier, as Rasa's graph runs them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.linear_classifier import LinearIntentClassifier
from bot.nlu.normalizer import FoldingWhitespaceTokenizer

EXAMPLES = {
    "greet": ["bonjour", "salut", "hello", "السلام عليكم", "سلام", "hi there"],
    "ask_cost": ["c'est payant ?", "combien ça coûte", "is it free", "بكم", "how much", "prix"],
    "ask_housing": ["un logement", "où je vais dormir", "housing", "سكن", "an apartment", "maison"],
}


def context(node: str) -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), node_name=node)


def tokenizer(**config: Any) -> FoldingWhitespaceTokenizer:
    return FoldingWhitespaceTokenizer({**FoldingWhitespaceTokenizer.get_default_config(), **config})


def tokens(text: str, **config: Any) -> list[Any]:
    message = Message(data={"text": text})
    tokenizer(**config).process([message])
    return list(message.get("text_tokens"))


def test_lemmas_are_folded_and_offsets_point_at_the_typed_text() -> None:
    text = "Je veux un LOGEMENT à Aurillac, merciiii"
    found = tokens(text)
    assert [t.lemma for t in found] == ["je", "veux", "un", "logement", "a", "aurillac", "merci"]
    assert [text[t.start : t.end] for t in found] == [t.text for t in found]
    assert found[5].text == "Aurillac"  # the CRF and entity values read the typed text


def test_fold_text_folds_what_the_crf_reads_too() -> None:
    assert [t.text for t in tokens("Éligible ?", fold_text=True)] == ["eligible"]


def test_fold_pashto_folds_the_lemmas_alone() -> None:
    text = "ډېر ښه"
    kept, folded = tokens(text), tokens(text, fold_pashto=True)
    assert [t.lemma for t in kept] == ["ډېر", "ښه"]  # off by default
    assert [t.lemma for t in folded] == [t.lemma for t in tokens("دیر شه")]
    assert [t.text for t in folded] == ["ډېر", "ښه"]  # the CRF and the offsets: as typed


def test_zero_width_non_joiner_splits_like_a_space() -> None:
    joined, spaced = tokens("می\u200cخواهم کار"), tokens("می خواهم کار")
    assert [t.lemma for t in joined] == [t.lemma for t in spaced]
    assert [(t.start, t.end) for t in joined] == [(t.start, t.end) for t in spaced]


class Featurizers:
    """Tokens and word + char n-gram counts, as config.yml's featurizers make them."""

    def __init__(self, storage: LocalModelStorage) -> None:
        self.storage = storage
        self.trained: list[CountVectorsFeaturizer] = []

    def train(self, data: TrainingData) -> None:
        tokenizer().process_training_data(data)
        for index, options in enumerate(({}, {"analyzer": "char_wb", "max_ngram": 4})):
            name = f"counts{index}"
            config = {**CountVectorsFeaturizer.get_default_config(), **options}
            featurizer = CountVectorsFeaturizer.create(
                config, self.storage, Resource(name), context(name)
            )
            featurizer.train(data)
            featurizer.process_training_data(data)
            self.trained.append(featurizer)

    def process(self, messages: list[Message]) -> None:
        tokenizer().process(messages)
        for featurizer in self.trained:
            featurizer.process(messages)


@pytest.fixture()
def storage(tmp_path: Path) -> LocalModelStorage:
    return LocalModelStorage(tmp_path)


@pytest.fixture()
def featurizers(storage: LocalModelStorage) -> Featurizers:
    featurizers = Featurizers(storage)
    featurizers.train(training_data())
    return featurizers


def training_data() -> TrainingData:
    return TrainingData(
        training_examples=[
            Message(data={"text": text, "intent": intent})
            for intent, texts in EXAMPLES.items()
            for text in texts
        ]
    )


def trained(featurizers: Featurizers, **config: Any) -> LinearIntentClassifier:
    data = training_data()
    featurizers.process(data.training_examples)
    options = {**LinearIntentClassifier.get_default_config(), "C": 10.0, **config}
    classifier = LinearIntentClassifier.create(
        options, featurizers.storage, Resource("linear"), context("linear")
    )
    classifier.train(data)
    return classifier


def parse(classifier: LinearIntentClassifier, text: str, featurizers: Featurizers) -> Message:
    message = Message(data={"text": text})
    featurizers.process([message])
    classifier.process([message])
    return message


def test_ranks_every_intent_by_confidence(featurizers: Featurizers) -> None:
    message = parse(trained(featurizers), "Bonjour !", featurizers)
    ranking = message.get("intent_ranking")
    assert message.get("intent")["name"] == "greet"
    assert ranking[0]["name"] == "greet"
    assert sorted(r["name"] for r in ranking) == sorted(EXAMPLES)
    confidences = [r["confidence"] for r in ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) == pytest.approx(1.0)


def test_persists_and_loads_the_same_predictions(
    featurizers: Featurizers, storage: LocalModelStorage
) -> None:
    classifier = trained(featurizers)
    config = classifier.config
    loaded = LinearIntentClassifier.load(config, storage, Resource("linear"), context("linear"))
    assert loaded.classes == sorted(EXAMPLES)
    for text in ("combien ça coute", "سكن", "salam"):
        before = parse(classifier, text, featurizers).get("intent_ranking")
        after = parse(loaded, text, featurizers).get("intent_ranking")
        assert [r["name"] for r in after] == [r["name"] for r in before]
        assert [r["confidence"] for r in after] == pytest.approx(
            [r["confidence"] for r in before], abs=1e-5
        )


def test_a_higher_temperature_flattens_the_confidences(featurizers: Featurizers) -> None:
    sharp = parse(trained(featurizers), "how much is it", featurizers).get("intent")
    flat = parse(trained(featurizers, temperature=3.0), "how much is it", featurizers).get("intent")
    assert flat["name"] == sharp["name"] == "ask_cost"
    assert flat["confidence"] < sharp["confidence"]


def test_an_untrained_model_loads_and_predicts_nothing(storage: LocalModelStorage) -> None:
    config = LinearIntentClassifier.get_default_config()
    loaded = LinearIntentClassifier.load(config, storage, Resource("none"), context("none"))
    message = Message(data={"text": "bonjour"})
    loaded.process([message])
    assert message.get("intent") is None


@pytest.mark.parametrize("sublinear_tf", [False, True])
def test_predictions_are_those_of_the_weighted_features_times_the_weights(
    featurizers: Featurizers, sublinear_tf: bool
) -> None:
    """The prediction path (per featurizer, no wide diagonal matrices) computes what the
    textbook does: tf-idf, each featurizer's part of unit length, side by side, times the
    weights, softmax at the temperature."""
    import numpy as np
    import scipy.sparse as sp

    classifier = trained(featurizers, sublinear_tf=sublinear_tf, temperature=0.9)
    messages = [Message(data={"text": t}) for t in ("Bonjour !", "je veux partir", "zzz", "oui")]
    featurizers.process(messages)
    parts = []
    for matrix, idf in zip(classifier._raw_matrices(messages), classifier.idf, strict=True):
        matrix = matrix.astype(np.float64)
        if sublinear_tf:
            matrix.data = np.log(matrix.data) + 1.0
        matrix = matrix @ sp.diags(idf)
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0.0] = 1.0
        parts.append(sp.diags(1.0 / norms) @ matrix)
    logits = (sp.hstack(parts) @ classifier.coef.T + classifier.intercept) / 0.9
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(classifier.predict_proba(messages), expected, rtol=1e-9)
    # One message at a time, as the server predicts: the same rows.
    for message, row in zip(messages, expected, strict=True):
        np.testing.assert_allclose(classifier.predict_proba([message])[0], row, rtol=1e-9)
