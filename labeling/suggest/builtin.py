"""The built-in stance model: TF-IDF n-grams and a linear model, aware of the target.

No download, scikit-learn only. Each item becomes word (1-2) and character (2-5,
within word boundaries) TF-IDF features of its text (plus the speaker as one token).
The features are used twice: once shared by every target, once conjoined with the
item's target (a copy that is non-zero only for that target's items), so one logistic
regression learns what signals stance in general and what signals it toward each
target; a target never seen in training falls back to the shared part. The vocabulary
and IDF weights come from every text of the project when the caller shows them
(:meth:`BuiltinModel.observe`: texts are known before their labels), else from the
training texts; with few labels, document frequencies over the whole project are the
better estimate, and n-grams of texts nobody labelled yet still count in a text's
length normalisation, so the model is less sure of novel texts. Logistic
regression gives probabilities directly (no extra calibration step is needed for
ranking by uncertainty); classes are weighted by their inverse frequency, since
FAVOR and AGAINST, which F_avg scores, are often the rarer labels.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from labeling.suggest.base import Item

# The embedding columns' scale against the TF-IDF rows (each part L2-normed): chosen with
# bench/al_sim.py-style runs on 15 folds of SemEval (README, "Active learning").
ENCODER_WEIGHT = 1.0

def _doc(item: Item) -> str:
    # The speaker as one token: who says it often predicts the stance (a party's leader).
    speaker = "".join(ch for ch in item.speaker.lower() if ch.isalnum())
    return f"{item.text} __spk_{speaker}" if speaker else item.text


@contextmanager
def _one_blas_thread() -> Iterator[None]:
    """Run numpy/scipy linear algebra on one thread. The problems here are small (a few
    hundred labels, sparse features), so extra BLAS threads gain nothing; on a busy machine
    they cost a lot: L-BFGS's BLAS calls waited on each other, and one fit took 6 s
    instead of 0.6 s at a load average of 9 on 2 cores."""
    from threadpoolctl import threadpool_limits  # a dependency of scikit-learn

    with threadpool_limits(limits=1):
        yield


def preload() -> None:
    """Import scikit-learn ahead of the first fit (2 to 4 s on a loaded machine): a caller
    that waits on the network meanwhile runs this in a thread. A failure is left to the
    fit to report."""
    try:
        import sklearn.feature_extraction.text  # noqa: F401
        import sklearn.linear_model  # noqa: F401
    except ImportError:
        pass


@dataclass(frozen=True)
class _Corpus:
    """Vectorisers fitted on a project's texts, and those texts' feature rows (one per
    distinct document): shared by every model that observes the same texts (the model
    and its cross-validation folds), read-only once made."""

    word: Any
    char: Any
    rows: dict[str, int]
    base: Any  # CSR matrix: word, char, then the weighted embedding columns if any


_CORPORA: dict[tuple[str, int, str, float], _Corpus] = {}  # the last few, by texts and settings
_CORPORA_LOCK = threading.Lock()


def _vectorisers(n_docs: int, max_features: int) -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True,
                           max_features=max_features)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                           min_df=2 if n_docs >= 50 else 1, max_features=max_features)
    return word, char


def _embedded(texts: Sequence[str], encoder: Any, weight: float) -> Any:
    """The encoder's vectors of these texts as weighted sparse columns."""
    import scipy.sparse as sp

    return sp.csr_matrix(np.asarray(encoder.embed(texts), dtype=np.float64) * weight)


def _corpus(docs: Sequence[str], texts: Sequence[str], max_features: int,
            encoder: Any = None, weight: float = 1.0) -> _Corpus:
    """The fitted corpus of these documents (distinct, in first-seen order; ``texts[i]``
    is what the encoder embeds of ``docs[i]``), cached."""
    import scipy.sparse as sp

    digest = hashlib.sha256()
    for d in docs:
        digest.update(d.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    key = (digest.hexdigest(), max_features, getattr(encoder, "name", ""), weight)
    with _CORPORA_LOCK:
        hit = _CORPORA.get(key)
        if hit is not None:
            return hit
        word, char = _vectorisers(len(docs), max_features)
        with _one_blas_thread():
            parts = [word.fit_transform(docs), char.fit_transform(docs)]
            if encoder is not None:
                parts.append(_embedded(texts, encoder, weight))
            base = sp.hstack(parts).tocsr()
        made = _Corpus(word, char, {d: i for i, d in enumerate(docs)}, base)
        while len(_CORPORA) >= 2:  # a run needs one; a test or a bench may alternate two
            del _CORPORA[next(iter(_CORPORA))]
        _CORPORA[key] = made
        return made


class BuiltinModel:
    """TF-IDF word and character n-grams, shared and target-conjoined, logistic regression.

    ``labels`` fixes the label order of the distributions. With one label only in the
    training data, every prediction is that label with probability 1.

    ``encoder`` (optional; :mod:`labeling.suggest.encoder`, ``suggestions.encoder`` in the
    schema): an object with ``name`` and ``embed(texts)`` giving L2-normed sentence
    vectors; they join the features (shared and target-conjoined, like the n-grams),
    scaled by ``encoder_weight``. With them the model generalises past the words it was
    shown (paraphrases, synonyms), which matters most while labels are few.
    """

    def __init__(self, labels: Sequence[str], *, c: float = 10.0, seed: int = 0,
                 max_features: int = 200_000, encoder: Any = None,
                 encoder_weight: float = ENCODER_WEIGHT):
        self.labels = list(labels)
        self.c = c
        self.seed = seed
        self.max_features = max_features
        self.encoder = encoder
        self.encoder_weight = encoder_weight
        self._targets: dict[str, int] = {}
        self._word: Any = None
        self._char: Any = None
        self._clf: Any = None
        self._cols: Any = None  # the feature columns the classifier was fitted on
        self._constant: str | None = None
        self._corpus: _Corpus | None = None

    def observe(self, items: Sequence[Item]) -> None:
        """Fit the vocabulary and IDF weights on these items' texts: every unit of the
        project, labelled or not (only texts are used, never labels). A later
        :meth:`fit` keeps them; without this call, it fits them on its training texts.
        Models observing the same texts share one fitted corpus (cross-validation folds
        cost no refit)."""
        text_of: dict[str, str] = {}
        for i in items:
            text_of.setdefault(_doc(i), i.text)
        self._corpus = (_corpus(list(text_of), list(text_of.values()), self.max_features,
                                self.encoder, self.encoder_weight) if text_of else None)

    def _features(self, items: Sequence[Item]) -> Any:
        import scipy.sparse as sp

        # A unit is asked about every target: vectorise each distinct text once.
        row_of: dict[str, int] = {}
        texts: list[str] = []
        rows = []
        for i in items:
            d = _doc(i)
            if d not in row_of:
                row_of[d] = len(row_of)
                texts.append(i.text)
            rows.append(row_of[d])
        docs = list(row_of)
        base = self._base(docs, texts)
        if len(docs) != len(items):
            base = base[np.asarray(rows)]
        n_t = len(self._targets)
        # The conjoined copy: block j holds the features of the items of target j.
        col = np.array([self._targets.get(i.target, -1) for i in items])
        blocks = [base]
        for j in range(n_t):
            mask = sp.diags((col == j).astype(np.float64))
            blocks.append(mask @ base)
        return sp.hstack(blocks).tocsr()

    def _base(self, docs: list[str], texts: list[str]) -> Any:
        """The shared features of distinct documents (observed ones are looked up;
        ``texts[i]`` is what the encoder embeds of ``docs[i]``)."""
        import scipy.sparse as sp

        corpus = self._corpus
        if corpus is not None and corpus.word is self._word:
            known = [corpus.rows.get(d, -1) for d in docs]
            if min(known, default=0) >= 0:
                return corpus.base[np.asarray(known, dtype=np.int64)]
        parts = [self._word.transform(docs), self._char.transform(docs)]
        if self.encoder is not None:
            parts.append(_embedded(texts, self.encoder, self.encoder_weight))
        return sp.hstack(parts).tocsr()

    def fit(self, items: Sequence[Item], labels: Sequence[str]) -> None:
        """Learn from labelled items; ``labels[i]`` is one of the model's labels."""
        from sklearn.linear_model import LogisticRegression

        if len(items) != len(labels):
            raise ValueError(f"{len(items)} items but {len(labels)} labels")
        unknown = sorted(set(labels) - set(self.labels))
        if unknown:
            raise ValueError(f"labels {unknown} are not among {self.labels}")
        self._targets = {t: j for j, t in enumerate(sorted({i.target for i in items}))}
        self._constant = None
        if len(set(labels)) < 2:
            self._constant = labels[0] if labels else None
            return
        if self._corpus is not None:
            self._word, self._char = self._corpus.word, self._corpus.char
        else:
            docs = [_doc(i) for i in items]
            self._word, self._char = _vectorisers(len(items), self.max_features)
            self._word.fit(docs)
            self._char.fit(docs)
        self._clf = LogisticRegression(C=self.c, max_iter=3000, class_weight="balanced",
                                       random_state=self.seed)
        features = self._features(items)
        # Only the columns some training row uses: under the L2 penalty every other
        # column's weight is 0 at the optimum, and a vocabulary fitted on a whole project
        # has many (1.2 million columns against 20,000 used for 400 labels of 10,000 texts:
        # the fit took 2.7 s instead of 0.4 s).
        self._cols = np.unique(features.indices)
        with _one_blas_thread():
            self._clf.fit(features[:, self._cols], list(labels))

    def predict_proba(self, items: Sequence[Item]) -> list[Mapping[str, float]]:
        """Per item, label -> probability over the model's labels ({} before any fit)."""
        if self._constant is not None:
            return [{lab: float(lab == self._constant) for lab in self.labels} for _ in items]
        if self._clf is None:
            return [{} for _ in items]
        if not items:
            return []
        features = self._features(items)
        with _one_blas_thread():
            probs = self._clf.predict_proba(features[:, self._cols])
        classes = [str(c) for c in self._clf.classes_]
        out: list[Mapping[str, float]] = []
        for row in probs:
            d = dict.fromkeys(self.labels, 0.0)
            for cls, p in zip(classes, row, strict=True):
                d[cls] = float(p)
            out.append(d)
        return out
