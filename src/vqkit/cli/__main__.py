"""``python -m vqkit.cli`` runs the ``vqkit`` command (as ``python -m vqkit`` does)."""

from . import main

main(prog_name="vqkit")  # messages and shell completion (_VQKIT_COMPLETE) as for the script
