"""``labeling publish``: push an export to the Hugging Face Hub.

The token comes from ``HF_TOKEN`` (or the Hub's own login); it is never printed.
Offline, or without a token, the command says so and leaves the export as it is.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from labeling.errors import InputError, LabelingError


def _network_error(exc: BaseException) -> bool:
    names = {c.__name__ for c in type(exc).__mro__}
    return isinstance(exc, OSError) or bool(names & {"TransportError", "ConnectionError",
                                                      "NetworkError", "TimeoutException"})


def publish(export_dir: str | Path, repo: str, *, private: bool = True) -> str:
    """Upload the splits and the card of ``export_dir`` to dataset repo ``repo``."""
    import datasets
    import huggingface_hub
    from huggingface_hub.errors import HfHubHTTPError

    src = Path(export_dir)
    token = os.environ.get("HF_TOKEN") or huggingface_hub.get_token()
    if not token:
        raise LabelingError("no Hugging Face token: set HF_TOKEN (a write token) and run again")
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        raise LabelingError("HF_HUB_OFFLINE=1: publishing needs the network; the export "
                            f"stays in {src}")
    try:
        dd = datasets.load_from_disk(str(src))
    except FileNotFoundError as exc:
        raise InputError(f"{src}: not an export folder (no dataset_dict.json; run "
                         "`labeling pull` first)") from exc
    api = huggingface_hub.HfApi(token=token)
    try:
        api.whoami()
        dd.push_to_hub(repo, private=private, token=token)
        if (src / "README.md").exists():
            # On the Hub the splits are Parquet files under data/, not Arrow folders.
            card = re.sub(r"path: (\w+)/\*\.arrow", r"path: data/\1-*",
                          (src / "README.md").read_text(encoding="utf-8"))
            api.upload_file(path_or_fileobj=card.encode("utf-8"), path_in_repo="README.md",
                            repo_id=repo, repo_type="dataset")
    except HfHubHTTPError as exc:
        status = getattr(exc.response, "status_code", None)
        raise LabelingError(f"the Hub refused the upload (HTTP {status}): check that HF_TOKEN "
                            "can write to " + repo) from exc
    except Exception as exc:
        # Offline: requests raises OSError subclasses, the Hub's httpx client its own
        # TransportError tree (ConnectError, ConnectTimeout...); neither is imported here.
        if not _network_error(exc):
            raise
        endpoint = huggingface_hub.constants.ENDPOINT  # HF_ENDPOINT, read at import
        raise LabelingError(f"cannot reach the Hugging Face Hub at {endpoint} "
                            f"({type(exc).__name__}); the export stays in {src}: publish "
                            "again when online") from exc
    # The Hub it went to: HF_ENDPOINT (a mirror, an Enterprise Hub) or huggingface.co.
    return f"{huggingface_hub.constants.ENDPOINT}/datasets/{repo}"
