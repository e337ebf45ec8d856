"""``python -m labeling`` runs the command line."""

from labeling.cli import main

main()
