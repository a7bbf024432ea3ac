"""Sphinx configuration of vqkit's documentation site.

Build it with ``make docs`` (warnings are errors) or, by hand::

    sphinx-build -b html -W --keep-going docs docs/_build/html

Markdown pages (``*.md``) are read by MyST, notebooks (``*.ipynb``) are run
and rendered by MyST-NB, the API reference is generated from the docstrings
by autosummary and numpydoc, and the gallery (``docs/examples/plot_*.py``) is
run by sphinx-gallery, which draws its figures at build time.
"""

import os
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
# the checkout's vqkit, whether or not it is installed
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "src"))
# the gallery's scraper for vqkit.plot's figures
sys.path.insert(0, os.path.join(HERE, "_scripts"))

import vqkit  # noqa: E402

project = "vqkit"
author = "vqkit developers"
copyright = "vqkit developers"
version = release = vqkit.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
    "sphinx_gallery.gen_gallery",
    "matplotlib.sphinxext.plot_directive",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
exclude_patterns = [
    "_build",
    "**.ipynb_checkpoints",
    # sphinx-gallery's sources: it writes their pages into auto_examples/
    "examples/*.py",
    "examples/README.rst",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.json",
    "auto_examples/*.codeobj.json",
    "auto_examples/*.md5",
]
templates_path = ["_templates"]

# -- HTML --------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"vqkit {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 7,
    "secondary_sidebar_items": ["page-toc", "sg_download_links", "sg_launcher_links"],
}
html_sidebars = {"index": [], "install": []}
html_show_sourcelink = False
html_copy_source = False

# -- MyST and MyST-NB ----------------------------------------------------------
myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3
# the guide's pages take their text from the README's sections, whose
# subsections are one level deeper than a page of their own would start
suppress_warnings = ["myst.header"]
# the notebook is run at every build: a failing cell fails the build
nb_execution_mode = "force"
nb_execution_raise_on_error = True
nb_execution_timeout = 300
nb_merge_streams = True

# -- API reference -------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# -- the gallery ---------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib", "vqkit_gallery_scraper.scrape"),
    "reset_modules": ("matplotlib",),
    "min_reported_time": 1,
    "show_memory": False,
}

# -- figures drawn by `.. plot::` (the benchmark page) -------------------------
plot_include_source = False
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 110)]
plot_working_directory = HERE

# matplotlib draws off screen; its "non-interactive backend" notice is no warning
os.environ.setdefault("MPLBACKEND", "Agg")
warnings.filterwarnings("ignore", message="Matplotlib is currently using agg")
