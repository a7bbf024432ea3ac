"""``python -m vqkit`` runs the ``vqkit`` command."""

from .cli import main

main(prog_name="vqkit")  # messages and shell completion (_VQKIT_COMPLETE) as for the script
