"""Draw the example figures of docs/plots.md into docs/images/.

Run from anywhere (needs matplotlib: ``pip install 'vqkit[plot]'``)::

    python docs/make_plot_examples.py

The figures are drawn by the Python code blocks of ``plots.md`` itself, run
in order as one script inside ``docs/images/`` (so every ``path=`` there
lands in that folder): the page shows exactly the code that made its
figures.  The data come from fixed seeds, so every run draws the same
figures (up to matplotlib's version).  With Pillow installed the PNGs are
then re-encoded with a 128-colour palette, which keeps these flat-coloured
figures looking the same at about a third of the size.
"""

import contextlib
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PAGE = os.path.join(HERE, "plots.md")
IMAGES = os.path.join(HERE, "images")


def code_blocks(page=PAGE):
    """The ```python blocks of ``page``, in order."""
    with open(page, encoding="utf-8") as fh:
        text = fh.read()
    return re.findall(r"^```python\n(.*?)^```", text, re.S | re.M)


@contextlib.contextmanager
def _working_directory(path):
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def run_page(outdir, page=PAGE):
    """Run the page's code blocks in ``outdir``; return their namespace."""
    namespace = {"__name__": "__plots_md__"}
    with _working_directory(outdir):
        for number, block in enumerate(code_blocks(page), 1):
            exec(compile(block, f"{page} (block {number})", "exec"), namespace)
    return namespace


def shrink(path):
    """Re-encode the PNG at ``path`` with a 128-colour palette (needs Pillow);
    return False when Pillow is missing."""
    try:
        from PIL import Image
    except ImportError:
        return False
    with Image.open(path) as im:
        small = im.convert("RGB").quantize(128)
    small.save(path, optimize=True)
    return True


def main():
    os.makedirs(IMAGES, exist_ok=True)
    namespace = run_page(IMAGES)
    print(namespace["result"].report())
    print()
    for name in sorted(os.listdir(IMAGES)):
        path = os.path.join(IMAGES, name)
        if name.endswith(".png") and not shrink(path):
            print("Pillow is not installed: PNGs left as matplotlib wrote them.", file=sys.stderr)
        print(f"{name:24s} {os.path.getsize(path) / 1024:6.1f} KB")


if __name__ == "__main__":
    main()
