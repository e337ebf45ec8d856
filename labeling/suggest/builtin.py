"""The built-in stance model: TF-IDF n-grams and a linear model, aware of the target.

No download, scikit-learn only. Each item becomes word (1-2) and character (2-5,
within word boundaries) TF-IDF features of its text (plus the speaker as one token).
The features are used twice: once shared by every target, once conjoined with the
item's target (a copy that is non-zero only for that target's items), so one logistic
regression learns what signals stance in general and what signals it toward each
target; a target never seen in training falls back to the shared part. Logistic
regression gives probabilities directly (no extra calibration step is needed for
ranking by uncertainty); classes are weighted by their inverse frequency, since
FAVOR and AGAINST, which F_avg scores, are often the rarer labels.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from labeling.suggest.base import Item


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


class BuiltinModel:
    """TF-IDF word and character n-grams, shared and target-conjoined, logistic regression.

    ``labels`` fixes the label order of the distributions. With one label only in the
    training data, every prediction is that label with probability 1.
    """

    def __init__(self, labels: Sequence[str], *, c: float = 10.0, seed: int = 0,
                 max_features: int = 200_000):
        self.labels = list(labels)
        self.c = c
        self.seed = seed
        self.max_features = max_features
        self._targets: dict[str, int] = {}
        self._word: Any = None
        self._char: Any = None
        self._clf: Any = None
        self._constant: str | None = None

    def _features(self, items: Sequence[Item]) -> Any:
        import scipy.sparse as sp

        # A unit is asked about every target: vectorise each distinct text once.
        row_of: dict[str, int] = {}
        rows = [row_of.setdefault(_doc(i), len(row_of)) for i in items]
        docs = list(row_of)
        base = sp.hstack([self._word.transform(docs), self._char.transform(docs)]).tocsr()
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

    def fit(self, items: Sequence[Item], labels: Sequence[str]) -> None:
        """Learn from labelled items; ``labels[i]`` is one of the model's labels."""
        from sklearn.feature_extraction.text import TfidfVectorizer
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
        docs = [_doc(i) for i in items]
        self._word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True,
                                     max_features=self.max_features)
        self._char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                     min_df=2 if len(items) >= 50 else 1,
                                     max_features=self.max_features)
        self._word.fit(docs)
        self._char.fit(docs)
        self._clf = LogisticRegression(C=self.c, max_iter=3000, class_weight="balanced",
                                       random_state=self.seed)
        with _one_blas_thread():
            self._clf.fit(self._features(items), list(labels))

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
            probs = self._clf.predict_proba(features)
        classes = [str(c) for c in self._clf.classes_]
        out: list[Mapping[str, float]] = []
        for row in probs:
            d = dict.fromkeys(self.labels, 0.0)
            for cls, p in zip(classes, row, strict=True):
                d[cls] = float(p)
            out.append(d)
        return out
