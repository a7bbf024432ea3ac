"""A sphinx-gallery image scraper for the figures of ``vqkit.plot``.

``vqkit.plot`` draws on ``matplotlib.figure.Figure`` objects that are not
registered with ``pyplot`` (so that nothing opens a window or leaks figures),
which sphinx-gallery's own matplotlib scraper cannot see.  This one saves
every such figure that a code block left in the example's variables, once.
"""


def scrape(block, block_vars, gallery_conf):
    """Save the new unregistered figures of the example; return their rST."""
    from matplotlib.figure import Figure
    from sphinx_gallery.scrapers import figure_rst

    namespace = block_vars["example_globals"]
    seen = namespace.setdefault("__vqkit_scraped_figures__", set())
    paths = []
    for value in list(namespace.values()):
        if isinstance(value, Figure) and value.canvas.manager is None and id(value) not in seen:
            seen.add(id(value))
            path = next(block_vars["image_path_iterator"])
            value.savefig(path, dpi=100)
            paths.append(path)
    return figure_rst(paths, gallery_conf["src_dir"])
