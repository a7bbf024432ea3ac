"""``python -m vqkit`` runs the ``vqkit`` command."""

from .cli import main

main()
