"""Mutation testing of the pure modules: how many deliberate bugs the tests catch.

    python bench/mutation.py                      # every module below
    python bench/mutation.py agreement splits     # some of them
    python bench/mutation.py --show 20            # the diffs of up to 20 survivors per module

For each module, mutmut (a maintained mutation tester) changes the code one small step at
a time (an operator, a constant, a condition, a returned value...) and runs the tests that
cover the changed function; a mutant the tests do not notice "survives". The run happens
in a temporary copy of the repository (git's files), so the working tree is never touched.
Prints, per module, the mutants killed, survived, untested and timed out, the score
(killed and timed out over all) and the names of the survivors. Exits 1 when a module
scores under ``--goal`` (90 % by default).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# module -> (source file, the fast tests that exercise it)
MODULES: dict[str, tuple[str, list[str]]] = {
    "agreement": ("labeling/annotations/agreement.py",
                  ["tests/test_agreement.py", "tests/test_agreement_summary.py",
                   "tests/test_agreement_edges.py"]),
    "aggregate": ("labeling/annotations/aggregate.py", ["tests/test_aggregate.py"]),
    "splits": ("labeling/annotations/splits.py", ["tests/test_splits.py"]),
    "rows": ("labeling/dataset/rows.py", ["tests/test_rows.py"]),
    "card": ("labeling/dataset/card.py", ["tests/test_card.py"]),
    "schema": ("labeling/schema.py", ["tests/test_schema.py", "tests/test_lsformat.py"]),
    "wire": ("labeling/studio/wire.py", ["tests/test_lsformat.py", "tests/test_wire.py"]),
    "queue": ("labeling/suggest/queue.py", ["tests/test_queue.py"]),
    "effort": ("labeling/annotations/effort.py", ["tests/test_effort.py"]),
    "suggestions": ("labeling/annotations/suggestions.py",
                    ["tests/test_anchoring.py", "tests/test_suggest.py"]),
}
KILLED = {"killed", "timeout"}

# EQUIVALENT: survivors that change nothing a caller can observe (checked by hand; the
# numbers are mutmut 3's names on this tree and shift when a function changes). They still
# count against the score; kill a listed one only by a test of real behaviour.
#   aggregate (x_ prefix left out)
#     _dawid_skene__mutmut_1 (max_iter 101), _108 (delta <= tol): EM converges long before
#       100 iterations, and stopping one step later moves posteriors by < tol.
#     _dawid_skene__mutmut_106 (|new + post| never < tol: always 100 iterations): the
#       fixed point is reached anyway; posteriors agree with the early stop to ~1e-6.
#     _dawid_skene__mutmut_39 (prior *= sum): the prior's sum is 1 up to 3e-9.
#     _dawid_skene__mutmut_85, _86, _88 (log-sum-exp shifted by another constant per row
#       or by the global max): the row is renormalised right after; no under/overflow
#       at these sizes.
#     _dawid_skene__mutmut_117 (<= 1e-12 for a tie): posteriors never differ by exactly 1e-12.
#     _majority__mutmut_7, _11 (the no-label guard): a schema always has labels, and with
#       none counts.argmax fails first anyway.
#     _majority__mutmut_29 (safe divisor 2 for unvoted items): their counts are all 0.
#   splits
#     assign_splits__mutmut_13 (total or 2): only when every group is empty.
#     assign_splits__mutmut_27 (have starts at 1): shifts every split's need by the same
#       1/total, so the argmax is unchanged.
#     assign_splits__mutmut_67, _69 (.get(g, None)): Counter.update(None) is a no-op.
#     assign_splits__mutmut_88 (rank(None) in the donor's pick): members are already in
#       seeded order, and min() keeps the first of equal sizes.
#     split_indices__mutmut_47, _48, _50, _51, _53, _54 (a key of the held-out fractions
#       renamed): a missing share is 0 for assign_splits all the same.
#     split_indices__mutmut_58 (test 2.0 when train and validation are 0): the only split
#       with a share takes everything whatever the share.
#   rows
#     finish__mutmut_85, _87, _92, _95, _107, _109, _113, _115, _124, _126, _143, _145,
#       _148, _150, _154, _156, _160, _162, _166, _168, _172, _174 (an Arrow column built
#       without its type): every computed column is cast to the features' type at the end.
#     finish__mutmut_19, _20, _21, _23, _24, _27, _68, _98, _101, _117, _128, _141 (the
#       "no rows" guards): with no rows, indexing by the empty item array already gives
#       empty columns; the guards only spare the work.
#     finish__mutmut_41, _43, _88, _99 (a numpy dtype left out): the values cast to the
#       same Arrow type.
#     item_keys__mutmut_3, _5 (the no-rows keys without a string type): never read.
#     task_rows__mutmut_34, _37, _38, units_of_table__mutmut_27, _31, _32 (zip without
#       strict): the zipped lists are built from the same rows, always the same length.
#     text_sha1__mutmut_7 ("UTF-8"): the same codec.
#     units_digest__mutmut_6, _9 (other separators): the key stays one-to-one with the
#       units; only equality of keys is ever used.
#     vote_table__mutmut_12, _14, _33, _35, _41, _43, _52, _54, _61, _67, _69, _103, _105,
#       _107, _109, _156, _158 (a dtype left out): the same dtype by default.
#     vote_table__mutmut_15, _21, _44, _49 (another filler for a missing index or stance):
#       any negative is "no row" / "no vote" alike. _55, _70 (a null skipped flag or lead
#       time left null): reads as False / NaN all the same.
#     vote_table__mutmut_24 (always take the own rows): taking every row is the table.
#     vote_table__mutmut_101, _110 (the no-annotator guard): no annotator means no vote.
#     vote_table__mutmut_116 (no skip mask): a skip's stance is already -1 == SKIP.
#     vote_table__mutmut_160, _162, _163, _164 (the group of a target outside the schema):
#       every row's target is the schema's.
#   wire
#     _stamp__mutmut_8, _9, _10 (the "Z" rewrite): Python >= 3.11 reads "Z" itself.
#     _stamp__mutmut_11, _12 (another strftime format): both sides of the comparison get
#       the same format and it keeps the order (%s is epoch seconds).
#     _stamp__mutmut_2 (astimezone(None): local time): the same zone on both sides.
#     check_project_config__mutmut_8, _9 (default "<view/>"): any empty root gives the same
#       "no question" error. _18, _22 (iter(None)): extra elements never carry a stance
#       question's name, and a Choices' own value is None and dropped.
#     instructions_html__mutmut_26, _39 ("</UL>"), label_config__mutmut_108, _112, _116
#       (upper-case colours): HTML tags and hex colours are case-insensitive.
#     parse_annotation__mutmut_172, _177 (the no-suggestion guard): suggestion_at of no logs
#       or of "" is None anyway.
#     parse_annotation__mutmut_85 (an empty region is unreadable): Label Studio exports no
#       empty region.
#     records_from_export__mutmut_32, _34 (None for a task without logs): falsy like ().
#     suggestions_by_task__mutmut_11, _26 ("XXXX" for a missing version or control name):
#       neither starts with the prefixes looked for, like "".
#     validated_tasks__mutmut_25 (break at the not-asked result): it is the last one.
#   agreement
#     _alpha_from_counts__mutmut_10 (no labels instead of no items), _31 (n < 1): items
#       are kept only with >= 2 votes, so n >= 2 whenever one is left; none left gives
#       None both ways.
#     _label_grid__mutmut_6, _8, annotator_stats__mutmut_38, _40 (annotators in index
#       order, not by name): from_votes and rows.vote_table number them by name.
#     _label_grid__mutmut_15, _18, _19, _20, _26, _29, _31 (the grid's filler and dtype):
#       only cells >= 0, of annotators with a labelled vote, are read.
#     annotator_stats__mutmut_15, _18, _19, _20, _33, _34 (gold's "no label" code -9 as
#       +9, -10, ...): only compared with label indices 0..k-1, k <= 36.
#     annotator_stats__mutmut_71 (np.sort's axis left out): its default is the last, 1.
#     annotator_stats__mutmut_77, _79, _81 (the k > 1 guard): a schema has >= 2 labels.
#     annotator_stats__mutmut_85 (top >= 0): with no other vote top == second == 0 and
#       the tie test already leaves the item out.
#     _clean__mutmut_2 (nan and inf): a kappa is never infinite (undefined is None).
#     item_agreement__mutmut_5, _7 (most_common(None) / (2)): [0] is the top either way.
#     summary__mutmut_100, _102 (bincount's minlength): only items with >= 2 labelled
#       votes are counted. summary__mutmut_25, _28, _30, _73, _75, _79 (the fallback group
#       and outlet codes' dtype and -1 filler): int64 anyway, only codes >= 0 are read.
#     _bootstrap_counts__mutmut_37, cohen_kappa_matrix__mutmut_44, VoteTable.counts
#       __mutmut_13, VoteTable.from_votes__mutmut_20, _23, _53, _55, _57, _59, _61, _63, _72,
#       _74 (an explicit int64/float64 dtype left out): numpy's default here is the same.
#   queue
#     _uniform__mutmut_7, queue_seed__mutmut_4 (int.from_bytes without "big"): big-endian
#       is the default since Python 3.11 (requires-python >= 3.11).
#     queue_scores__mutmut_23, _27, _28 (zip without strict): the lengths are checked
#       just before, with a clearer error.
#     queue_scores__mutmut_36, _59 (margin -2 instead of -1 for no suggestion / no
#       target): these tasks sort first by the has-a-suggestion flag; among themselves the
#       key scales (-2 x density vs -3 x density, or a constant), so the order is the same.
#     queue_scores__mutmut_47 (low -2 for no target): any negative means "no target".
#     queue_scores__mutmut_80 (scores start at 1.0): every task's score is then set.
#     queue_scores__mutmut_86 (random draws also at share 0), _97 (draw <= share): a draw
#       is k / 2**64 and never equals the share in practice (0 only if 8 hash bytes are 0;
#       at 1.0 every draw is below).
#     representativeness__mutmut_12 (n >= max_reference samples): a sample of all n texts
#       is every text, sorted, and k = round(neighbours x n / n) = neighbours.
#     representativeness__mutmut_17 (replace=None): falsy, so still without replacement.
#     representativeness__mutmut_49 (-2 for "not in the reference"), _77 (own column
#       set to -2): only >= 0 is tested, and any negative is below every similarity
#       (TF-IDF cosines are >= 0) while k <= reference size - 1.
#     representativeness__mutmut_61 (range without its step: a chunk starting at every
#       row): each row's value is written again, the same; only slower.
#   effort
#     _finish_time__mutmut_1 (votes < 0): with 0 votes the first segment returns 0 / rate.
#     _finish_time__mutmut_21 (> instead of >=): at equality the next segment gives the
#       same T (the curve is continuous).
#   suggestions (x_ prefix left out)
#     _idx__mutmut_6 (-2 for none): any negative means "none".
#     anchoring__mutmut_58, _60, _64, _66, _69, _71, _75, _77 (the counts' float dtype
#       left out): integer arrays divide to the same floats.
#     anchoring__mutmut_97 (rng.integers(n, size)): numpy reads a single bound as
#       [0, n): the same draws.
#     anchoring__mutmut_102, _104 (errstate divide changed or left out): hits <= votes,
#       so an empty arm is 0 / 0 ("invalid"), never x / 0.
#     representativeness__mutmut_87 (np.partition without axis=1): the default is the
#       last axis, 1.


def repo_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [f for f in out.splitlines() if (ROOT / f).is_file()]


def copy_repo(dest: Path) -> None:
    for rel in repo_files():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)


def configure(dest: Path, names: list[str]) -> None:
    sources = [MODULES[n][0] for n in names]
    tests = sorted({t for n in names for t in MODULES[n][1] if (dest / t).exists()})
    missing = sorted({t for n in names for t in MODULES[n][1]} - set(tests))
    if missing:
        print(f"note: no such test file (yet): {', '.join(missing)}")
    quoted = ", ".join(f'"{x}"' for x in sources)
    selected = ", ".join(f'"{x}"' for x in tests)
    with open(dest / "pyproject.toml", "a", encoding="utf-8") as fh:
        fh.write(
            "\n[tool.mutmut]\n"
            'source_paths = ["labeling"]\n'
            'also_copy = ["configs", "seeds", "labeling/data"]\n'
            f"only_mutate = [{quoted}]\n"
            f"pytest_add_cli_args_test_selection = [{selected}]\n"
            'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "-o", "addopts=", '
            '"-p", "no:randomly", "-m", "not server and not browser and not postgres"]\n'
        )


def module_of(mutant: str) -> str:
    for name, (src, _) in MODULES.items():
        dotted = src.removesuffix(".py").replace("/", ".")
        if mutant.startswith(dotted + "."):
            return name
    return "?"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("modules", nargs="*", metavar="MODULE", help=f"of {', '.join(MODULES)}")
    ap.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--show", type=int, default=0, help="print the diff of N survivors per module")
    ap.add_argument("--goal", type=float, default=90.0)
    ap.add_argument("--keep", type=Path, help="run in this folder and keep it (default: a temp one)")
    args = ap.parse_args()
    names = list(dict.fromkeys(args.modules or MODULES))
    unknown = [n for n in names if n not in MODULES]
    if unknown:
        ap.error(f"unknown module {', '.join(unknown)}; choose from {', '.join(MODULES)}")
    work = args.keep or Path(tempfile.mkdtemp(prefix="mutation-"))
    if args.keep and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    try:
        copy_repo(work)
        configure(work, names)
        log = work / "mutmut.log"
        env = {**os.environ, "PYTHONPATH": str(work)}
        with open(log, "w", encoding="utf-8") as fh:
            run = subprocess.run([sys.executable, "-m", "mutmut", "run",
                                  "--max-children", str(args.max_children)],
                                 cwd=work, env=env, stdout=fh, stderr=subprocess.STDOUT)
        text = log.read_text(encoding="utf-8")
        if run.returncode not in (0, 1) or "failed to collect stats" in text:
            print(text[-3000:])
            print(f"mutmut failed with exit code {run.returncode}")
            return 2
        results = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"],
                                 cwd=work, env=env, capture_output=True, text=True, check=True)
        status: dict[str, dict[str, str]] = defaultdict(dict)
        for line in results.stdout.splitlines():
            m = re.match(r"\s*(\S+): (.+)$", line)
            if m:
                status[module_of(m.group(1))][m.group(1)] = m.group(2).strip()
        worst = 100.0
        print(f"{'module':<10} {'mutants':>7} {'killed':>7} {'survived':>8} {'no tests':>8} "
              f"{'timeout':>7} {'score':>6}")
        for name in names:
            got = status.get(name, {})
            c = Counter(got.values())
            total = len(got)
            killed = sum(c[k] for k in KILLED)
            score = 100.0 * killed / total if total else 100.0
            worst = min(worst, score)
            print(f"{name:<10} {total:>7} {c['killed']:>7} {c['survived']:>8} "
                  f"{c['no tests']:>8} {c['timeout']:>7} {score:>5.1f}%")
        for name in names:
            alive = sorted(m for m, s in status.get(name, {}).items() if s not in KILLED)
            if not alive:
                continue
            print(f"\nsurvivors in {name} ({len(alive)}):")
            for mutant in alive:
                print(f"  {mutant} ({status[name][mutant]})")
            for mutant in alive[: args.show]:
                diff = subprocess.run([sys.executable, "-m", "mutmut", "show", mutant], cwd=work,
                                      env=env, capture_output=True, text=True).stdout
                print("\n".join("    " + x for x in diff.splitlines()))
        print(f"\nlowest score: {worst:.1f}% (goal {args.goal:.0f}%)")
        return 0 if worst >= args.goal else 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
