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
}
KILLED = {"killed", "timeout"}


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
