"""Agreement metrics against the reference libraries on the same data."""

from __future__ import annotations

import krippendorff
import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

from labeling.annotations.agreement import (
    Vote,
    annotator_stats,
    bootstrap_alpha,
    cohen_kappa_matrix,
    fleiss_kappa,
    item_agreement,
    krippendorff_alpha,
    summary,
)

LABELS = ["FAVOR", "AGAINST", "NONE"]


def votes_from_matrix(m: npt.NDArray[np.float64]) -> list[Vote]:
    """Rows are annotators, columns items, NaN missing (the krippendorff layout)."""
    out = []
    for a in range(m.shape[0]):
        for i in range(m.shape[1]):
            if not np.isnan(m[a, i]):
                out.append(Vote(f"i{i}", f"a{a}", LABELS[int(m[a, i])]))
    return out


def reference_alpha(m: npt.NDArray[np.float64]) -> float:
    return float(krippendorff.alpha(reliability_data=m, level_of_measurement="nominal"))


def test_krippendorff_textbook_example() -> None:
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability", nominal example:
    # 4 coders, 12 units, missing values; alpha = 0.743.
    nan = np.nan
    data = np.array([
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ])
    labels = ["1", "2", "3", "4", "5"]
    votes = [Vote(f"u{u}", f"c{c}", str(int(data[c, u])))
             for c in range(4) for u in range(12) if not np.isnan(data[c, u])]
    assert krippendorff_alpha(votes, labels) == pytest.approx(0.743, abs=5e-4)
    assert krippendorff_alpha(votes, labels) == pytest.approx(
        float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")), abs=1e-9)


@given(st.integers(0, 10_000), st.integers(2, 5), st.integers(3, 30), st.floats(0, 0.5))
@settings(max_examples=150, deadline=None)
def test_alpha_equals_the_krippendorff_package(seed: int, n_ann: int, n_items: int,
                                               missing: float) -> None:
    rng = np.random.default_rng(seed)
    m = rng.integers(0, 3, size=(n_ann, n_items)).astype(float)
    m[rng.random(m.shape) < missing] = np.nan
    votes = votes_from_matrix(m)
    pairable = (np.sum(~np.isnan(m), axis=0) >= 2)
    values = m[:, pairable]
    values = values[~np.isnan(values)]
    if values.size == 0 or len(set(values.tolist())) < 2:
        assert krippendorff_alpha(votes, LABELS) is None
        return
    assert krippendorff_alpha(votes, LABELS) == pytest.approx(reference_alpha(m), abs=1e-9)


def test_skips_do_not_count_for_alpha() -> None:
    base = [Vote("x", "a", "FAVOR"), Vote("x", "b", "FAVOR"), Vote("y", "a", "AGAINST"),
            Vote("y", "b", "NONE")]
    assert krippendorff_alpha(base + [Vote("x", "c", None)], LABELS) == \
        krippendorff_alpha(base, LABELS)


def test_bootstrap_interval_is_seeded_and_brackets_alpha() -> None:
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 3, 60)
    m = np.array([np.where(rng.random(60) < 0.8, truth, rng.integers(0, 3, 60))
                  for _ in range(3)]).astype(float)
    votes = votes_from_matrix(m)
    a, lo, hi = bootstrap_alpha(votes, LABELS, n=500, seed=1)
    assert a == pytest.approx(reference_alpha(m), abs=1e-9)
    assert a is not None and lo is not None and hi is not None and lo < a < hi
    assert bootstrap_alpha(votes, LABELS, n=500, seed=1) == (a, lo, hi)


def test_bootstrap_interval_matches_resampling_items_with_the_reference_alpha() -> None:
    """The interval equals a plain bootstrap: resample items (units) with replacement and
    compute each resample's alpha with the ``krippendorff`` package."""
    rng = np.random.default_rng(11)
    truth = rng.integers(0, 3, 150)
    m = np.array([np.where(rng.random(150) < 0.7, truth, rng.integers(0, 3, 150))
                  for _ in range(3)]).astype(float)
    m[2, rng.random(150) < 0.4] = np.nan  # some items have two votes only
    _, lo, hi = bootstrap_alpha(votes_from_matrix(m), LABELS, n=2000, seed=5)
    ref = []
    for _ in range(2000):
        ref.append(reference_alpha(m[:, rng.integers(0, 150, 150)]))
    ref_lo, ref_hi = np.quantile(ref, [0.025, 0.975])
    assert lo == pytest.approx(ref_lo, abs=0.02) and hi == pytest.approx(ref_hi, abs=0.02)


def test_cohen_kappa_matrix_matches_sklearn() -> None:
    rng = np.random.default_rng(7)
    m = rng.integers(0, 3, size=(4, 40)).astype(float)
    m[rng.random(m.shape) < 0.2] = np.nan
    votes = votes_from_matrix(m)
    anns, mat = cohen_kappa_matrix(votes, LABELS)
    assert anns == ["a0", "a1", "a2", "a3"]
    for i in range(4):
        for j in range(4):
            if i == j:
                assert mat[i][j] == 1.0
                continue
            shared = ~np.isnan(m[i]) & ~np.isnan(m[j])
            ref = cohen_kappa_score(m[i][shared].astype(int), m[j][shared].astype(int),
                                    labels=[0, 1, 2])
            assert mat[i][j] == pytest.approx(ref, abs=1e-12)


def test_fleiss_kappa_matches_statsmodels_on_full_overlap() -> None:
    rng = np.random.default_rng(11)
    m = rng.integers(0, 3, size=(3, 30)).astype(float)
    extra = votes_from_matrix(np.array([[0, np.nan], [np.nan, 1]]))  # partial items ignored
    extra = [Vote("p" + v.item, v.annotator, v.label) for v in extra]
    votes = votes_from_matrix(m) + extra
    table, _ = aggregate_raters(m.T.astype(int), n_cat=3)
    assert fleiss_kappa(votes, LABELS) == pytest.approx(sm_fleiss(table), abs=1e-12)


def test_known_small_case() -> None:
    # Three annotators; designed so every figure is known by hand.
    votes = [
        Vote("i1", "a", "FAVOR", 2.0), Vote("i1", "b", "FAVOR", 4.0), Vote("i1", "c", "FAVOR", 6.0),
        Vote("i2", "a", "AGAINST", 1.0), Vote("i2", "b", "AGAINST", 3.0),
        Vote("i2", "c", "FAVOR", 5.0),
        Vote("i3", "a", "NONE", 1.0), Vote("i3", "b", None, 1.0), Vote("i3", "c", "NONE", 9.0),
    ]
    # Coincidences: i1 FF x6 /2 = 3; i2 AA 2/2=1, AF 4/2=2 (2 each way); i3 NN 2/1 = 2.
    # n_F = 3+1 = 4, n_A = 1+1 = 2, n_N = 2, n = 8; D_o = 2/8; D_e = 1 - (12+2+2)/56.
    assert krippendorff_alpha(votes, LABELS) == pytest.approx(1 - (2 / 8) / (1 - 16 / 56))
    assert item_agreement(["AGAINST", "AGAINST", "FAVOR"]) == pytest.approx(2 / 3)
    stats = {s["annotator"]: s for s in annotator_stats(votes, LABELS, gold={"i1": "FAVOR",
                                                                               "i2": "AGAINST"})}
    assert stats["b"]["skipped"] == 1 and stats["b"]["skip_rate"] == pytest.approx(1 / 3)
    assert stats["c"]["median_lead_time"] == 6.0
    # c vs the others' majority: i1 agree, i2 disagree, i3 (only a: NONE) agree.
    assert stats["c"]["agreement_with_majority"] == pytest.approx(2 / 3)
    assert stats["c"]["gold_accuracy"] == pytest.approx(1 / 2)
    assert stats["a"]["gold_accuracy"] == 1.0
    s = summary(votes, LABELS, groups={"t": "t"}, outlets={"i1": "X", "i2": "X", "i3": "Y"},
                n_boot=200)
    assert s["alpha"]["alpha"] == pytest.approx(krippendorff_alpha(votes, LABELS))
    assert set(s["alpha_by_outlet"]) == {"X", "Y"}
    assert s["alpha_by_group"]["t"]["alpha"] is None  # no vote carries group "t"
