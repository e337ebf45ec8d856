"""``python -m labeling`` runs the command line."""

from .cli import main

main()
