"""Intents by a logistic regression on tf-idf weighted, L2-normalised sparse features."""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import RANKING_LENGTH

logger = logging.getLogger(__name__)

_WEIGHTS = "weights.npz"
_META = "meta.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(IntentClassifier, GraphComponent):  # type: ignore[misc]
    """Rasa's LogisticRegressionClassifier with tf-idf, per-featurizer L2 norms and a set C.

    Rasa's own fits raw counts with C fixed at 1.0, so the char n-gram counts of a long
    message outweigh everything else and its confidences stay flat. Here each featurizer's
    sentence vector is weighted (sublinear tf, smoothed idf fitted on the training data)
    and scaled to unit length apart, then C (cross-validated: scripts/nlu_cv.py) and a
    softmax temperature shape the confidences the FallbackClassifier and actions read.
    Persisted as plain arrays (numpy, no pickle).
    """

    @classmethod
    def required_components(cls) -> list[type]:
        """Featurizers first: it reads their sentence features."""
        return [Featurizer]

    @staticmethod
    def required_packages() -> list[str]:
        """scikit-learn fits the regression."""
        return ["sklearn"]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Options: regularisation, weighting and the softmax temperature."""
        return {
            "C": 1.0,
            "tfidf": True,
            "sublinear_tf": True,
            "max_iter": 1000,
            "tol": 1e-4,
            "class_weight": "balanced",
            "temperature": 1.0,
            "random_state": 2024,
            RANKING_LENGTH: LABEL_RANKING_LENGTH,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
    ) -> None:
        """An untrained classifier; `train` or `load` fill its weights."""
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.classes: list[str] = []
        self.coef: npt.NDArray[np.float64] = np.zeros((0, 0))
        self.intercept: npt.NDArray[np.float64] = np.zeros(0)
        self.idf: list[npt.NDArray[np.float64]] = []  # one per featurizer, in pipeline order
        self.widths: list[int] = []
        self._coef_t: npt.NDArray[np.float64] | None = None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearIntentClassifier:
        """A new untrained classifier."""
        return cls(config, model_storage, resource)

    # ------------------------------------------------------------------ features

    @staticmethod
    def _blocks(message: Message) -> list[sp.csr_matrix]:
        """The message's sparse sentence features, one matrix per featurizer."""
        return [
            sp.csr_matrix(f.features)
            for f in message.features
            if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE and f.is_sparse()
        ]

    def _raw_matrices(self, messages: list[Message]) -> list[sp.csr_matrix]:
        """Per featurizer, the rows of every message (zeros where a message has none)."""
        rows = [self._blocks(m) for m in messages]
        if not self.widths:
            self.widths = [b.shape[1] for b in next((r for r in rows if r), [])]
        matrices = []
        for index, width in enumerate(self.widths):
            column = [
                r[index] if len(r) == len(self.widths) else sp.csr_matrix((1, width)) for r in rows
            ]
            matrices.append(sp.vstack(column, format="csr", dtype=np.float64))
        return matrices

    def _scaled(self, matrix: sp.csr_matrix, idf: npt.NDArray[np.float64]) -> sp.csr_matrix:
        """One featurizer's rows, tf-idf weighted and of unit length."""
        # On the stored values directly: per message, building diagonal matrices as wide as
        # the vocabulary cost more than the prediction itself.
        matrix = sp.csr_matrix(matrix, dtype=np.float64, copy=True)
        matrix.sum_duplicates()
        if self.config["sublinear_tf"]:
            np.log(matrix.data, out=matrix.data)
            matrix.data += 1.0
        if self.config["tfidf"]:
            matrix.data *= idf[matrix.indices]
        per_row = np.diff(matrix.indptr)
        rows = np.repeat(np.arange(matrix.shape[0]), per_row)
        norms = np.sqrt(np.bincount(rows, weights=matrix.data**2, minlength=matrix.shape[0]))
        norms[norms == 0.0] = 1.0
        matrix.data /= np.repeat(norms, per_row)
        return matrix

    def _weighted(self, matrices: list[sp.csr_matrix]) -> sp.csr_matrix:
        """Tf-idf weighted, each featurizer's part of unit length, side by side."""
        parts = [self._scaled(m, idf) for m, idf in zip(matrices, self.idf, strict=True)]
        return sp.hstack(parts, format="csr") if parts else sp.csr_matrix((0, 0))

    def _weights_by_feature(self) -> npt.NDArray[np.float64]:
        """The weights as (features x classes), row-major: what X @ W reads without copying."""
        if self._coef_t is None or self._coef_t.shape[::-1] != self.coef.shape:
            self._coef_t = np.ascontiguousarray(self.coef.T)
        return self._coef_t

    # ------------------------------------------------------------------ training

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the weights and the regression on the intent examples."""
        from sklearn.linear_model import LogisticRegression

        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if not examples:
            logger.debug("LinearIntentClassifier: no intent examples, nothing trained.")
            return self._resource
        self.widths = []
        matrices = self._raw_matrices(examples)
        count = len(examples)
        # Smoothed idf, as scikit-learn's TfidfTransformer computes it.
        self.idf = [
            np.log((1.0 + count) / (1.0 + np.bincount(m.indices, minlength=m.shape[1]))) + 1.0
            for m in matrices
        ]
        clf = LogisticRegression(
            C=float(self.config["C"]),
            class_weight=self.config["class_weight"],
            max_iter=int(self.config["max_iter"]),
            tol=float(self.config["tol"]),
            random_state=self.config["random_state"],
            solver="lbfgs",
        )
        clf.fit(self._weighted(matrices), [e.get(INTENT) for e in examples])
        self.classes = [str(c) for c in clf.classes_]
        self.coef = clf.coef_
        self.intercept = clf.intercept_
        self.persist()
        return self._resource

    # ------------------------------------------------------------------ prediction

    def _logits_of_one(self, message: Message) -> npt.NDArray[np.float64]:
        """One message's logits, on its features' stored values (no sparse matrix built)."""
        weights = self._weights_by_feature()
        logits = np.array(self.intercept, dtype=np.float64)
        blocks = self._blocks(message)
        if len(blocks) != len(self.widths):
            return logits  # as _raw_matrices: a message without every featurizer is zeros
        start = 0
        for block, idf, width in zip(blocks, self.idf, self.widths, strict=True):
            found = block.tocoo()
            if found.nnz:
                columns, where = np.unique(found.col, return_inverse=True)
                values: npt.NDArray[np.float64] = np.bincount(
                    where, weights=found.data.astype(np.float64)
                ).astype(np.float64)
                if self.config["sublinear_tf"]:
                    values = np.log(values) + 1.0
                if self.config["tfidf"]:
                    values *= idf[columns]
                norm = float(np.sqrt(np.dot(values, values)))
                values /= norm if norm else 1.0
                logits += values @ weights[start + columns]
            start += width
        return logits

    def predict_proba(self, messages: list[Message]) -> npt.NDArray[np.float64]:
        """The probability of each class (columns in `self.classes` order) per message."""
        if len(messages) == 1:
            # What the server predicts: one message. Building its sparse matrices cost
            # more than the arithmetic.
            logits = self._logits_of_one(messages[0])[np.newaxis, :]
        else:
            weights = self._weights_by_feature()
            logits = np.tile(self.intercept, (len(messages), 1)).astype(np.float64)
            start = 0
            # Featurizer by featurizer, against its rows of the weights: no side-by-side matrix.
            for matrix, idf in zip(self._raw_matrices(messages), self.idf, strict=True):
                width = matrix.shape[1]
                logits += self._scaled(matrix, idf) @ weights[start : start + width]
                start += width
        logits = np.asarray(logits) / float(self.config["temperature"])
        if len(self.classes) == 2:  # scikit-learn's binary case: one column of logits
            positive = 1.0 / (1.0 + np.exp(-logits[:, 0]))
            return np.column_stack([1.0 - positive, positive])
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True))

    def process(self, messages: list[Message]) -> list[Message]:
        """Set each message's intent and intent ranking."""
        if not self.classes:
            return messages
        probabilities = self.predict_proba(messages)
        length = int(self.config[RANKING_LENGTH])
        for message, row in zip(messages, probabilities, strict=True):
            order = np.argsort(-row, kind="stable")
            ranking = [{"name": self.classes[i], "confidence": float(row[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set("intent_ranking", ranking[:length] if length > 0 else ranking, True)
        return messages

    # ------------------------------------------------------------------ storage

    def persist(self) -> None:
        """Write the arrays (npz) and the class names and widths (JSON) to the model."""
        with self._model_storage.write_to(self._resource) as directory:
            np.savez_compressed(
                directory / _WEIGHTS,
                coef=self.coef.astype(np.float32),
                intercept=self.intercept,
                **{f"idf_{i}": idf for i, idf in enumerate(self.idf)},
            )
            meta = {"classes": self.classes, "widths": self.widths}
            (directory / _META).write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentClassifier:
        """The trained classifier, or an untrained one when the model holds none."""
        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as directory:
                meta = json.loads((directory / _META).read_text(encoding="utf-8"))
                with np.load(directory / _WEIGHTS, allow_pickle=False) as arrays:
                    component.coef = arrays["coef"].astype(np.float64)
                    component.intercept = arrays["intercept"]
                    component.idf = [arrays[f"idf_{i}"] for i in range(len(meta["widths"]))]
        except (ValueError, FileNotFoundError):
            logger.debug("LinearIntentClassifier: nothing stored in %s.", resource.name)
            return component
        component.classes = list(meta["classes"])
        component.widths = list(meta["widths"])
        return component
