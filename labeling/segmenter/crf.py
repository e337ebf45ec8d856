"""Linear-chain CRF inference in numpy: best tags (Viterbi) and per-token marginals.

Pure: state scores and a transition matrix in, tags and probabilities out. It computes what
CRFsuite's tagger computes (``crf1d``: a sequence's score is the sum of its tokens' state
scores and of the transitions between consecutive tags, no start or end transition), for
many sequences at once: the sequences of an article are padded into one array, so numpy's
per-call cost is paid once per position of the longest sequence, not once per sequence.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]


def pack(scores: Floats, lengths: Sequence[int]) -> Floats:
    """Rows of ``scores`` (sequences one after the other) as an array (sequences, longest, K),
    padded with zeros."""
    k = scores.shape[1]
    out = np.zeros((len(lengths), max(lengths), k))
    mask = np.arange(max(lengths))[None, :] < np.asarray(lengths)[:, None]
    out[mask] = scores
    return out


def viterbi(state: Floats, lengths: Sequence[int], transition: Floats) -> list[Ints]:
    """The best tag sequence of each padded sequence of ``state`` (sequences, T, K): tag
    indices, one array per sequence (of its own length)."""
    p, t_max, k = state.shape
    lens = np.asarray(lengths)
    deltas = np.empty((p, t_max, k))
    back = np.zeros((p, t_max, k), dtype=np.intp)
    delta = deltas[:, 0, :] = state[:, 0, :]
    trans = transition[None, :, :]
    for t in range(1, t_max):
        s = delta[:, :, None] + trans  # (p, from, to)
        back[:, t, :] = s.argmax(axis=1)
        delta = deltas[:, t, :] = s.max(axis=1) + state[:, t, :]
    rows = np.arange(p)
    last = deltas[rows, lens - 1, :].argmax(axis=1)  # each sequence's best final tag
    ends = set(lens.tolist())
    best = np.zeros((p, t_max), dtype=np.intp)
    cur = last
    for t in range(t_max - 1, -1, -1):
        if t + 1 in ends:  # sequences whose last token is t start here
            cur = np.where(lens == t + 1, last, cur)
        best[:, t] = cur
        if t:
            cur = back[rows, t, cur]
    return [best[i, : lens[i]] for i in range(p)]


def marginals(state: Floats, lengths: Sequence[int], transition: Floats) -> Floats:
    """P(tag of token t = j | sequence) for each padded sequence (sequences, T, K); zero
    past a sequence's end. Forward-backward with per-position scaling, like CRFsuite."""
    p, t_max, k = state.shape
    lens = np.asarray(lengths)
    live = np.arange(t_max)[None, :] < lens[:, None]  # (p, T)
    # exp of the state scores, shifted per token (the shift cancels in the normalisation).
    ex = np.exp(state - state.max(axis=2, keepdims=True))
    ex[~live] = 1.0
    et = np.exp(transition - transition.max())
    alpha = np.empty((p, t_max, k))
    scale = np.ones((p, t_max))
    a = ex[:, 0, :]
    c = a.sum(axis=1)
    alpha[:, 0, :] = a / c[:, None]
    scale[:, 0] = c
    for t in range(1, t_max):
        a = (alpha[:, t - 1, :] @ et) * ex[:, t, :]
        c = a.sum(axis=1)
        alpha[:, t, :] = a / c[:, None]
        scale[:, t] = c
    beta = np.ones((p, t_max, k))
    for t in range(t_max - 2, -1, -1):
        b = ((ex[:, t + 1, :] * beta[:, t + 1, :]) @ et.T) / scale[:, t + 1, None]
        inside = live[:, t + 1]  # past the end beta stays 1
        beta[:, t, :] = np.where(inside[:, None], b, 1.0)
    m = alpha * beta
    m /= m.sum(axis=2, keepdims=True)
    m[~live] = 0.0
    return m
