"""stance-labeling: segment news into quote units, label stances in Label Studio,
export typed Hugging Face datasets.

The command line (``labeling``) is a thin layer over this package; every command
calls one public function of the same name (``push`` -> :func:`labeling.workflows.push.push`).
"""

from labeling.version import __version__

__all__ = ["__version__"]
