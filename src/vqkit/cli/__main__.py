"""``python -m vqkit.cli`` runs the ``vqkit`` command (as ``python -m vqkit`` does)."""

from . import main

main()
