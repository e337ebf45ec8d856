"""Write docs/cli.md, the command-line reference, from the commands' own ``--help``.

    python scripts/cli_reference.py           # rewrite docs/cli.md
    python scripts/cli_reference.py --check   # exit 1 if docs/cli.md is stale

The help is rendered at a fixed width, so the file does not depend on the terminal;
``tests/test_hygiene.py`` fails when it is stale.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

import click

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "cli.md"
WIDTH = 100

HEADER = """# Command-line reference

Generated from `labeling --help` and each command's `--help` by
`python scripts/cli_reference.py`; do not edit by hand (a test fails when it is stale).
Every command is a thin layer over one function of the Python API of the same name
([python-api.md](python-api.md)).
"""


def _commands(cmd: click.Command, path: list[str]) -> Iterator[tuple[list[str], click.Command]]:
    yield path, cmd
    if isinstance(cmd, click.Group):
        for name in cmd.list_commands(click.Context(cmd)):
            sub = cmd.get_command(click.Context(cmd), name)
            if sub is not None and not sub.hidden:
                yield from _commands(sub, [*path, name])


def _help(cmd: click.Command, path: list[str]) -> str:
    parent = None
    for i in range(1, len(path)):  # the usage line names the whole command path
        parent = click.Context(click.Command(path[i - 1]), info_name=path[i - 1], parent=parent)
    ctx = click.Context(cmd, info_name=path[-1], parent=parent, terminal_width=WIDTH,
                        max_content_width=WIDTH)
    return cmd.get_help(ctx)


def render() -> str:
    """The whole reference, as Markdown."""
    from labeling.cli import main

    parts = [HEADER]
    for path, cmd in _commands(main, ["labeling"]):
        title = " ".join(path)
        parts.append(f"\n## `{title}`\n\n```text\n{_help(cmd, path).rstrip()}\n```\n")
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    ap.add_argument("-o", "--output", type=Path, default=OUT)
    args = ap.parse_args(argv)
    text = render()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale: run python scripts/cli_reference.py", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
