"""The tool's state folder: the embedded server's data, credentials, caches and locks.

``--state-dir`` > ``$LABELING_HOME`` > ``./.labeling``. Every module that keeps state
finds its folder here, so none depends on the embedded server to find a path.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["state_home"]


def state_home(state_dir: str | os.PathLike[str] | None = None) -> Path:
    """The project's state folder (``--state-dir`` > ``LABELING_HOME`` > ``./.labeling``)."""
    if state_dir:
        return Path(state_dir).expanduser().resolve()
    env = os.environ.get("LABELING_HOME")
    return Path(env).expanduser().resolve() if env else (Path.cwd() / ".labeling").resolve()
