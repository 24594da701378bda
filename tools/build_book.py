#!/usr/bin/env python3
"""Build the course as a static HTML book from the committed, executed notebooks.

    site/index.html                 landing page: the notebooks in course order, one line each
    site/notebooks/NN_name.html     one page per notebooks/NN_name.ipynb, with previous / next
    site/solutions/NN_name.html     one page per solutions/*.ipynb, when that folder exists
    site/README.html, TEACHING.html the markdown pages of MARKDOWN_PAGES that exist

The pages mirror the repository's layout, so a relative link written in a notebook works in
the book once `.ipynb` (and a rendered `.md`) becomes `.html`. Nothing is fetched, at build
time or when reading: nbconvert's lab template and CSS come from the installed package;
its CDN scripts (require.js, MathJax, the widget manager) are left out; math is converted to
MathML here (latex2mathml), which browsers draw natively; widgets are frozen at their saved
state (book_widgets.py); figures are embedded in the pages as data URIs.

usage: build_book.py [--out site]
"""
import argparse
import html
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import latex2mathml.converter
import nbformat
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

sys.path.insert(0, str(Path(__file__).parent))
import book_widgets  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = Path(__file__).parent / "book_templates"
# Markdown files at the repository's root rendered as pages (when present), with their line
# on the landing page.
MARKDOWN_PAGES = {"TEACHING.md": "the teacher's guide: prerequisites, glossary, time plans",
                  "README.md": "set-up, profiles, the package and the tabular benchmark",
                  "docs/robustness.md": "which headline results hold over five seeds",
                  "docs/gpu/h200_2026-12-04.md": "the GPU figures: speed, step costs, the CUDA paths"}
PAGE_NAMES = {Path(k).name for k in MARKDOWN_PAGES}
MARKER = ".book-build"  # written into the output folder; only such a folder is ever emptied


@dataclass
class Page:
    src: Path  # the notebook or markdown file
    href: str  # the page, relative to the book's root: "notebooks/00_tour.html"
    title: str
    description: str = ""  # HTML, one line
    links: list = field(default_factory=list)  # (label, href) shown in the navigation bar


def page_url(url):
    """A link written in a notebook, as a link between pages: `02_nas_rl.ipynb#x` ->
    `02_nas_rl.html#x`; `../TEACHING.md` -> `../TEACHING.html`; anything else unchanged."""
    if re.match(r"[a-z][a-z0-9+.-]*:|#|/", url):
        return url
    path, sep, fragment = url.partition("#")
    if path.endswith(".ipynb") or Path(path).name in PAGE_NAMES:
        path = path.rsplit(".", 1)[0] + ".html"
    return path + sep + fragment


def mathml(tex, display="inline"):
    """TeX as MathML. A bare `|` is an ordinary symbol in TeX, but a browser spaces a bare
    <mo>|</mo> as an operator (|O| would read "| O|"), so its spacing is set to zero."""
    try:
        xml = latex2mathml.converter.convert(tex, display=display)
    except Exception as e:  # the page still builds; tests/test_book.py counts the formulas
        print(f"  formula left as TeX ({type(e).__name__}: {e}): {tex}")
        return f"<code>{html.escape(tex)}</code>"
    bar = '<mo stretchy="false">&#x0007C;</mo>'
    xml = xml.replace(bar, bar.replace("<mo ", '<mo lspace="0" rspace="0" '))
    # latex2mathml passes function names it does not know (\arg, \det, ...) through as
    # <mi>\arg</mi>: draw them upright, without the backslash, as TeX does
    return re.sub(r"<mi>\\([A-Za-z]+)</mi>", r'<mi mathvariant="normal">\1</mi>', xml)


class BookRenderer(IPythonRenderer):
    """nbconvert's markdown renderer with math as MathML and notebook links as page links."""

    def inline_math(self, body):
        return mathml(body)

    def block_math(self, body):
        return mathml(body, display="block")

    def latex_environment(self, name, body):
        return self.block_math(f"\\begin{{{name}}}{body}\\end{{{name}}}")

    def link(self, text, url, title=None):
        return super().link(text, page_url(url), title)


def markdown(source, path="", attachments=None):
    renderer = BookRenderer(escape=False, embed_images=True, path=path,
                            attachments=attachments, exclude_anchor_links=False)
    return MarkdownWithMath(renderer=renderer).render(source)


class BookExporter(HTMLExporter):
    """nbconvert's lab HTML, through templates/notebook.html.j2 and BookRenderer."""

    @jinja2.pass_context
    def markdown2html(self, context, source):
        cell = context.get("cell", {})
        path = context.get("resources", {}).get("metadata", {}).get("path", "")
        return markdown(source, path, cell.get("attachments", {}))


def first_lines(path):
    """The title (the first markdown cell's first line) and the paragraph after it, of a
    notebook; its file name and nothing if it has no markdown."""
    nb = nbformat.read(path, as_version=4)
    cell = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    blocks = [b.strip() for b in (cell.source if cell else "").split("\n\n") if b.strip()]
    if not blocks:
        return path.stem, ""
    return blocks[0].lstrip("#").strip(), (blocks[1] if len(blocks) > 1 else "")


def readme_rows(root):
    """{notebook stem: 'what it teaches'} from README's notebook table."""
    text = (root / "README.md").read_text(encoding="utf-8") if (root / "README.md").exists() else ""
    rows = re.findall(r"^\| `(\w+)\.ipynb` \| .*? \| (.*?) \|$", text, re.M)
    return dict(rows)


def readme_intro(root):
    """README's first paragraph (what the course is), as HTML."""
    readme = root / "README.md"
    if not readme.exists():
        return ""
    blocks = [b for b in readme.read_text(encoding="utf-8").split("\n\n") if b.strip()]
    return inline(blocks[1]) if len(blocks) > 1 else ""


def inline(md):
    """One line of markdown as HTML without the paragraph around it."""
    return re.sub(r"^<p>|</p>\s*$", "", markdown(" ".join(md.split())).strip())


def discover(root, folder, descriptions):
    pages = []
    for path in sorted((root / folder).glob("*.ipynb")):
        title, first = first_lines(path)
        desc = descriptions.get(path.stem, first)
        pages.append(Page(path, f"{folder}/{path.stem}.html", title, inline(desc)))
    return pages


def link_pages(notebooks, solutions):
    """Previous / next within each sequence, and each notebook to its solutions and back."""
    for seq in (notebooks, solutions):
        for i, page in enumerate(seq):
            if i > 0:
                page.links.append(("← " + seq[i - 1].title, "../" + seq[i - 1].href))
            if i + 1 < len(seq):
                page.links.append((seq[i + 1].title + " →", "../" + seq[i + 1].href))
    for nb in notebooks:
        for sol in solutions:
            if sol.src.stem.split("_")[0] == nb.src.stem.split("_")[0]:
                nb.links.append(("Solutions", "../" + sol.href))
                sol.links.append(("The notebook", "../" + nb.href))


def export(page, exporter, out):
    nb = nbformat.read(page.src, as_version=4)
    missing = book_widgets.freeze(nb)
    if missing:
        print(f"  {page.src.name}: {missing} widget output(s) without saved state, shown as text")
    nb.metadata["title"] = page.title
    resources = {"metadata": {"name": page.src.stem, "path": str(page.src.parent)},
                 "book": {"root": "../", "links": page.links}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    (out / page.href).parent.mkdir(exist_ok=True)
    (out / page.href).write_text(body, encoding="utf-8")


def build(root=ROOT, out=ROOT / "site"):
    """Write the book into `out` (emptied first if an earlier build made it); returns its pages."""
    out = Path(out)
    if out.exists() and (out / MARKER).exists():
        shutil.rmtree(out)
    elif out.exists() and any(out.iterdir()):
        raise FileExistsError(f"--out {out} is a non-empty folder that build_book.py did not "
                              f"make (no {MARKER} in it): choose an empty or new folder")
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("made by tools/build_book.py; emptied by the next build\n")
    shutil.copy(TEMPLATES / "book.css", out / "book.css")

    notebooks = discover(root, "notebooks", readme_rows(root))
    solutions = discover(root, "solutions", {})
    if not notebooks:
        raise FileNotFoundError(f"no notebooks in {root / 'notebooks'}")
    link_pages(notebooks, solutions)
    exporter = BookExporter(template_name="lab", extra_template_paths=[str(TEMPLATES)],
                            template_file="notebook.html.j2", embed_images=True)
    exporter.log.setLevel("ERROR")  # nbconvert warns once per figure that lacks alt text
    for page in notebooks + solutions:
        export(page, exporter, out)

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=False)
    md_pages = [Page(root / name, name[:-3] + ".html", name[:-3], desc)
                for name, desc in MARKDOWN_PAGES.items() if (root / name).exists()]
    for page in md_pages:
        body = markdown(page.src.read_text(encoding="utf-8"), str(root))
        root_prefix = "../" * page.href.count("/")  # a page in docs/ reaches the root with ../
        text = env.get_template("page.html.j2").render(title=page.title, body=body,
                                                       root=root_prefix)
        (out / page.href).parent.mkdir(parents=True, exist_ok=True)
        (out / page.href).write_text(text, encoding="utf-8")
    text = env.get_template("index.html.j2").render(
        title="naslib-mini: the course", intro=readme_intro(root), notebooks=notebooks,
        solutions=solutions, md_pages=md_pages)
    (out / "index.html").write_text(text, encoding="utf-8")
    return notebooks + solutions + md_pages


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(ROOT / "site"), help="output folder (default: site/)")
    a = ap.parse_args()
    pages = build(ROOT, a.out)
    print(f"{len(pages) + 1} pages in {a.out}: open {Path(a.out) / 'index.html'}")


if __name__ == "__main__":
    main()
