"""The static book (tools/build_book.py), built from the committed notebooks into a temporary
folder: with the network off where this machine allows it, every notebook (and solution) a page,
the landing page in course order, no broken local link or image, nothing fetched by a reader,
every figure and formula on its page; and, where Chromium and playwright are installed, the
check in a real browser (tools/book_check.py)."""
import html.parser
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urldefrag

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import book_widgets  # noqa: E402
import build_book  # noqa: E402

IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
REFERENCES = {"a": "href", "link": "href", "img": "src", "script": "src", "iframe": "src",
              "source": "src"}


class Page(html.parser.HTMLParser):
    """What an HTML page references and draws."""

    def __init__(self, path):
        super().__init__()
        self.refs, self.ids, self.scripts = [], set(), []
        self.counts = {"img": 0, "svg": 0, "math": 0}
        self._in_script = False
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in REFERENCES and attrs.get(REFERENCES[tag]):
            self.refs.append((tag, attrs[REFERENCES[tag]]))
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag in self.counts:
            self.counts[tag] += 1
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def network_can_be_cut():
    unshare = shutil.which("unshare")
    return bool(unshare) and subprocess.run([unshare, "-n", "true"],
                                            capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """The book built by the command line tool; (folder, whether the network was cut)."""
    out = tmp_path_factory.mktemp("book") / "site"
    cmd = [sys.executable, str(ROOT / "tools" / "build_book.py"), "--out", str(out)]
    offline = network_can_be_cut()
    run = subprocess.run((["unshare", "-n"] if offline else []) + cmd,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    return out, offline


@pytest.fixture(scope="module")
def pages(book):
    return {p.relative_to(book[0]).as_posix(): Page(p) for p in book[0].rglob("*.html")}


def sources(folder):
    return sorted((ROOT / folder).glob("*.ipynb"))


def test_built_with_the_network_cut(book):
    if not book[1]:
        pytest.skip("`unshare -n` is not permitted here: the build ran with the network on")
    assert (book[0] / "index.html").exists()


def test_every_notebook_and_solution_has_a_page(pages):
    expected = {f"{f}/{p.stem}.html" for f in ("notebooks", "solutions") for p in sources(f)}
    assert len(sources("notebooks")) >= 13
    assert expected <= set(pages)
    for name in build_book.MARKDOWN_PAGES:
        assert ((ROOT / name).exists()) == (name[:-3] + ".html" in pages), name


def test_landing_page_lists_the_notebooks_in_course_order(pages):
    links = [ref for tag, ref in pages["index.html"].refs if tag == "a"]
    for folder in ("notebooks", "solutions"):
        listed = [ref for ref in links if ref.startswith(folder + "/")]
        # the contents (once each, in course order), then any solutions linked beside them
        in_order = list(dict.fromkeys(listed))
        assert in_order[:len(sources(folder))] == [f"{folder}/{p.stem}.html"
                                                   for p in sources(folder)]
    for name in build_book.MARKDOWN_PAGES:
        assert ((ROOT / name).exists()) == (name[:-3] + ".html" in links), name


def test_no_broken_local_link_or_image_and_nothing_remote_to_fetch(book, pages):
    broken, remote, site = [], [], book[0].resolve()
    for name, page in pages.items():
        for tag, ref in page.refs:
            if re.match(r"[a-z]+:", ref):
                if tag != "a" and not ref.startswith("data:"):
                    remote.append((name, tag, ref))  # a reader offline would miss it
                continue
            target, fragment = urldefrag(ref)
            path = ((site / name).parent / target).resolve() if target else site / name
            if not (path.is_relative_to(site) and path.exists()):  # outside the book: broken
                broken.append((name, ref))
                continue
            key = path.relative_to(site).as_posix()
            if fragment and fragment not in pages[key].ids:
                broken.append((name, ref))
        remote += [(name, "inline script", s[:80]) for s in page.scripts if "http" in s]
    assert not broken, broken
    assert not remote, remote


def image_outputs(nb):
    """Figures in a notebook: image outputs of cells and of the Output widgets they show."""
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
               if WIDGET_VIEW not in o.get("data", {})]  # a widget's own figure: counted below
    state = nb.metadata.get("widgets", {}).get(book_widgets.STATE, {}).get("state", {})
    outputs += [o for m in state.values() if m["model_name"] == "OutputModel"
                for o in m["state"].get("outputs", [])]
    return sum(any(t in o.get("data", {}) for t in IMAGE_TYPES) for o in outputs)


def math_snippets(nb):
    """$...$ and $$...$$ in a notebook's markdown cells, code spans left out."""
    text = "\n".join(re.sub(r"`[^`]*`", "", c.source) for c in nb.cells
                     if c.cell_type == "markdown")
    return len(re.findall(r"\$\$.+?\$\$|\$[^$\n]+\$", text, re.S))


@pytest.mark.parametrize("path", sources("notebooks") + sources("solutions"),
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_figure_and_formula_is_on_its_page(pages, path):
    nb = nbformat.read(path, as_version=4)
    page = pages[f"{path.parent.name}/{path.stem}.html"]
    assert page.counts["img"] + page.counts["svg"] >= image_outputs(nb)
    assert page.counts["math"] >= math_snippets(nb)


def test_no_tex_command_is_left_in_a_formula():
    """A TeX name the converter does not know (\\arg) must not reach the page as text."""
    assert "<mi>\\" not in build_book.mathml(r"\arg\min_w f(w)")
    assert 'mathvariant="normal">arg<' in build_book.mathml(r"\arg\min_w f(w)")


def test_links_between_notebooks_become_links_between_pages():
    assert build_book.page_url("02_nas_rl.ipynb") == "02_nas_rl.html"
    assert build_book.page_url("../solutions/03_nasnet.ipynb#ex-1") == \
        "../solutions/03_nasnet.html#ex-1"
    assert build_book.page_url("../TEACHING.md") == "../TEACHING.html"
    assert build_book.page_url("https://arxiv.org/abs/1806.09055") == \
        "https://arxiv.org/abs/1806.09055"
    assert build_book.page_url("#a-heading") == "#a-heading"
    assert build_book.page_url("../naslib_mini/ops.py") == "../naslib_mini/ops.py"


def notebook(*markdown):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(m) for m in markdown])


def test_a_small_course_with_solutions_and_a_guide(tmp_path):
    """Solutions and TEACHING.md slot in: pages, links both ways, previous / next, contents."""
    for folder in ("notebooks", "solutions"):
        (tmp_path / folder).mkdir()
    nbformat.write(notebook("# 00 · First\n\nThe first.", "See [the next](01_b.ipynb#Part-two)"
                            " and $|O|^2$."), tmp_path / "notebooks" / "00_a.ipynb")
    nbformat.write(notebook("# 01 · Second\n\nThe second.", "## Part two"),
                   tmp_path / "notebooks" / "01_b.ipynb")
    nbformat.write(notebook("# Solutions to 01\n\nAnswers."), tmp_path / "solutions" / "01_b.ipynb")
    (tmp_path / "TEACHING.md").write_text("# Guide\n\nStart with [00](notebooks/00_a.ipynb).\n")
    build_book.build(tmp_path, tmp_path / "site")
    site = {p.relative_to(tmp_path / "site").as_posix(): Page(p)
            for p in (tmp_path / "site").rglob("*.html")}
    assert set(site) == {"index.html", "TEACHING.html", "notebooks/00_a.html",
                         "notebooks/01_b.html", "solutions/01_b.html"}
    refs = {name: [r for t, r in page.refs if t == "a"] for name, page in site.items()}
    assert "01_b.html#Part-two" in refs["notebooks/00_a.html"]
    assert "Part-two" in site["notebooks/01_b.html"].ids
    assert site["notebooks/00_a.html"].counts["math"] == 1
    assert "notebooks/00_a.html" in refs["TEACHING.html"]
    assert "../notebooks/01_b.html" in refs["notebooks/00_a.html"]  # next
    assert "../notebooks/00_a.html" in refs["notebooks/01_b.html"]  # previous
    assert "../solutions/01_b.html" in refs["notebooks/01_b.html"]
    assert "../notebooks/01_b.html" in refs["solutions/01_b.html"]
    assert "../solutions/01_b.html" not in refs["notebooks/00_a.html"]
    assert [r for r in refs["index.html"] if r.endswith(".html") and r != "index.html"][:1] \
        == ["TEACHING.html"]
    assert "solutions/01_b.html" in refs["index.html"]
    index = (tmp_path / "site" / "index.html").read_text()
    assert "The first." in index  # no README: the notebook's own first paragraph
    build_book.build(tmp_path, tmp_path / "site")  # a second build replaces the first
    with pytest.raises(FileExistsError, match="did not make"):
        build_book.build(tmp_path, tmp_path / "notebooks")


def test_a_widget_is_frozen_at_its_saved_state():
    png = {"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo=",
                                                   "text/plain": "<Figure>"}, "metadata": {}}
    state = {"box": {"model_name": "VBoxModel",
                     "state": {"children": ["IPY_MODEL_s", "IPY_MODEL_o"]}},
             "s": {"model_name": "IntSliderModel",
                   "state": {"description": "nodes", "min": 1, "max": 6, "step": 1, "value": 4}},
             "o": {"model_name": "OutputModel", "state": {"outputs": [png]}}}
    view = {book_widgets.VIEW: {"model_id": "box", "version_major": 2}, "text/plain": "interactive"}
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("interact(...)", outputs=[
            nbformat.v4.new_output("display_data", data=view),
            nbformat.v4.new_output("display_data", data={book_widgets.VIEW: {"model_id": "gone"},
                                                         "text/plain": "bar 0%"})])],
        metadata={"widgets": {book_widgets.STATE: {"state": state}}})
    assert book_widgets.freeze(nb) == 1
    controls, figure, fallback = nb.cells[0].outputs
    assert 'type="range" min="1" max="6" step="1" value="4"' in controls["data"]["text/html"]
    assert figure["data"]["image/png"] == png["data"]["image/png"]
    assert fallback["data"] == {"text/plain": "bar 0%"}
    assert "widgets" not in nb.metadata


def browser_missing():
    if not Path("/usr/bin/chromium").exists():
        return "no /usr/bin/chromium (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (pip install playwright)"
    return None


@pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))
def test_every_page_reads_well_in_a_browser(book):
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "book_check.py"),
                          "--site", str(book[0]), "--no-screenshots"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
