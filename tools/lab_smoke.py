#!/usr/bin/env python3
"""Open notebooks in a real JupyterLab in headless Chromium, run every cell, and report what a reader sees.

(Copied from the team's shared tool and extended here: it also operates the first dropdown
widget of a notebook, as a student picking another op in the cell explorer would.)

usage: lab_smoke.py [--python PYTHON] [--out DIR] [--timeout S] NOTEBOOK...   (paths relative to the repo root)

Needs Debian's chromium (apt-get install chromium) and the PyPI package playwright in the
interpreter that runs this script (no browser download: it drives /usr/bin/chromium).
JupyterLab itself runs from --python (default: .venv/bin/python of the repo in the current folder).
For each notebook it prints: cells run, error outputs shown, widgets rendered, widget errors,
whether moving the first slider changes its cell's output, whether picking another option in
the first dropdown changes its cell's output,
and writes screenshots to --out (default: lab-smoke/): one per screen of the notebook (NAME_pKK.png), one after the slider moved (NAME_slider.png), one after the dropdown changed (NAME_dropdown.png). A run still busy at --timeout counts as a failure. Exit 1 if any notebook shows an
error output or a widget that failed to render.
"""
import argparse, os, socket, subprocess, sys, time, urllib.request, secrets

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, timeout):
    end = time.time() + timeout
    while time.time() < end:
        try:
            urllib.request.urlopen(url, timeout=2)
            return True
        except Exception:
            time.sleep(0.5)
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("notebooks", nargs="+")
    ap.add_argument("--python", default=".venv/bin/python")
    ap.add_argument("--out", default="lab-smoke")
    ap.add_argument("--timeout", type=float, default=300)
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright

    os.makedirs(a.out, exist_ok=True)
    port, token = free_port(), secrets.token_hex(16)
    lab = subprocess.Popen(
        [a.python, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", "--ServerApp.root_dir=" + os.getcwd()]
        + (["--allow-root"] if os.geteuid() == 0 else []),
        stdout=open(os.path.join(a.out, "lab.log"), "w"), stderr=subprocess.STDOUT)
    bad = 0
    try:
        base = f"http://127.0.0.1:{port}"
        if not wait_http(f"{base}/api/status?token={token}", 60):
            print("JupyterLab did not start; see", os.path.join(a.out, "lab.log"))
            return 1
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for nb in a.notebooks:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(f"{base}/lab/tree/{nb}?token={token}", timeout=60_000)
                page.wait_for_selector(".jp-Notebook", timeout=60_000)
                page.wait_for_function("document.querySelector('.jp-Notebook-ExecutionIndicator') !== null || true")
                time.sleep(3)
                page.keyboard.press("Escape")
                page.evaluate("""() => window.jupyterapp ? 0 : 0""")
                # Run all cells through the command palette's command id.
                page.click(".jp-Notebook")
                page.keyboard.press("Control+Shift+c")
                page.fill(".lm-CommandPalette-input", "Run All Cells")
                page.keyboard.press("Enter")
                t0 = time.time()
                t_start = t0
                time.sleep(2)
                busy = True
                while time.time() - t0 < a.timeout:
                    busy = page.evaluate("""() => [...document.querySelectorAll('.jp-InputArea-prompt')]
                        .some(e => e.textContent.includes('[*]'))""")
                    if not busy:
                        break
                    time.sleep(1)
                wall = time.time() - t_start
                time.sleep(2)
                # dismiss the "Jupyter news" toast so it does not cover outputs
                try:
                    nb_btn = page.query_selector(".jp-toast-button >> text=No")
                    if nb_btn: nb_btn.click()
                except Exception:
                    pass
                # JupyterLab 4 scrolls the notebook inside its own panel, so page.screenshot(full_page=True)
                # only captures one 1000-px viewport. Scroll the panel page by page (this also makes the windowed
                # notebook render every output) and save one screenshot per page.
                stem = os.path.join(a.out, os.path.basename(nb).replace(".ipynb", ""))
                scroller = ".jp-NotebookPanel .jp-WindowedPanel-outer"
                total_h = page.evaluate(f"() => document.querySelector('{scroller}').scrollHeight")
                view_h = page.evaluate(f"() => document.querySelector('{scroller}').clientHeight")
                k, y = 0, 0
                while True:
                    page.evaluate(f"() => document.querySelector('{scroller}').scrollTop = {y}")
                    time.sleep(0.8)
                    page.screenshot(path=f"{stem}_p{k:02d}.png")
                    k += 1
                    total_h = page.evaluate(f"() => document.querySelector('{scroller}').scrollHeight")
                    if y + view_h >= total_h or k > 80:
                        break
                    y += view_h - 60
                stats_extra = page.evaluate("""() => ({
                    svg: document.querySelectorAll('.jp-RenderedSVG').length,
                    png: document.querySelectorAll('.jp-RenderedImage').length,
                    progress: document.querySelectorAll('.widget-hprogress, .widget-progress').length,
                    sliders: document.querySelectorAll('.widget-slider, .noUi-target').length,
                    stderr: [...document.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')].map(e => e.textContent.slice(0, 160)),
                    unrendered_widgets: [...document.querySelectorAll('.jp-OutputArea-output')].filter(e => /Loading widget|Error displaying widget|model not found/i.test(e.textContent)).map(e => e.textContent.slice(0,120)),
                    cells_out_text: [...document.querySelectorAll('.jp-CodeCell')].map(c => (c.querySelector('.jp-OutputArea')||{innerText:''}).innerText.length),
                })""")
                stats = page.evaluate("""() => ({
                    cells: document.querySelectorAll('.jp-CodeCell').length,
                    run: [...document.querySelectorAll('.jp-InputArea-prompt')].filter(e => /\\[\\d+\\]/.test(e.textContent)).length,
                    errors: document.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"] .jp-RenderedText, .jp-RenderedText[data-mime-type="application/vnd.jupyter.error"]').length,
                    tracebacks: [...document.querySelectorAll('.jp-RenderedText[data-mime-type="application/vnd.jupyter.error"]')].map(e => e.textContent.slice(0, 200)),
                    widgets: document.querySelectorAll('.jupyter-widgets, .jp-OutputArea-output .widget-inline-hbox, .lm-Widget.jupyter-widgets').length,
                    widget_errors: [...document.querySelectorAll('.jp-OutputArea-output')].filter(e => /Error displaying widget|model not found|Loading widget/i.test(e.textContent)).length,
                    images: document.querySelectorAll('.jp-RenderedImage img, .jp-RenderedSVG svg').length,
                })""")
                # Move the first slider, if any, and see whether its cell's output changes (kernel-widget round trip).
                moved = "no slider"
                handle = page.query_selector(".noUi-handle")
                if handle:
                    cell = handle.evaluate_handle("h => h.closest('.jp-Cell')")
                    before = cell.evaluate("c => c.querySelector('.jp-OutputArea').innerText")
                    handle.scroll_into_view_if_needed()
                    handle.focus()
                    for _ in range(3):
                        page.keyboard.press("ArrowRight")
                    time.sleep(3)
                    after = cell.evaluate("c => c.querySelector('.jp-OutputArea').innerText")
                    moved = "output changed" if after != before else "OUTPUT UNCHANGED"
                stats["slider"] = moved
                if handle:
                    cell.evaluate("c => c.scrollIntoView()")
                    time.sleep(1)
                    page.screenshot(path=f"{stem}_slider.png")
                # Pick another option in the first dropdown (a <select>), as in the cell explorer.
                picked = "no dropdown"
                # the explorer's first edge dropdown if there is one, else the first dropdown
                select = (page.query_selector(".widget-dropdown:has(label:text-matches('^edge')) select")
                          or page.query_selector(".widget-dropdown select"))
                if select:
                    cell = select.evaluate_handle("s => s.closest('.jp-Cell')")
                    before = cell.evaluate("c => c.querySelector('.jp-OutputArea').innerText")
                    options = select.evaluate("s => [...s.options].map(o => o.value)")
                    current = select.evaluate("s => s.value")
                    other = next(o for o in options if o != current)
                    select.scroll_into_view_if_needed()
                    select.select_option(other)
                    time.sleep(4)
                    after = cell.evaluate("c => c.querySelector('.jp-OutputArea').innerText")
                    picked = (f"output changed ({current} -> {other})" if after != before
                              else f"OUTPUT UNCHANGED ({current} -> {other})")
                    select.evaluate("s => s.closest('.jp-Cell').scrollIntoView()")
                    time.sleep(1)
                    page.screenshot(path=f"{stem}_dropdown.png")
                stats["dropdown"] = picked
                shot = os.path.join(a.out, os.path.basename(nb).replace(".ipynb", ".png"))
                page.screenshot(path=shot, full_page=True)
                ok = (stats["tracebacks"] == [] and stats["widget_errors"] == 0 and stats["run"] > 0
                      and stats["slider"] != "OUTPUT UNCHANGED"
                      and not stats["dropdown"].startswith("OUTPUT UNCHANGED") and not busy)
                if busy:
                    print(f"    still running after --timeout {a.timeout:.0f} s: not every cell ran")
                bad += not ok
                print(f"{'ok ' if ok else 'BAD'} {nb}: {stats['run']}/{stats['cells']} cells run, "
                      f"{len(stats['tracebacks'])} tracebacks, {stats['widgets']} widget nodes, "
                      f"{stats['widget_errors']} widget errors, {stats['images']} images, slider: {stats['slider']}, "
                      f"dropdown: {stats['dropdown']}; screenshot {shot}")
                print(f"    wall {wall:.0f} s (Run All until no [*]); svg outputs {stats_extra['svg']}, png outputs {stats_extra['png']}, "
                      f"progress bars {stats_extra['progress']}, sliders {stats_extra['sliders']}, pages {k}")
                for se in stats_extra["stderr"]:
                    print("    stderr:", se.replace("\n", " ")[:160])
                for uw in stats_extra["unrendered_widgets"]:
                    print("    widget not rendered:", uw.replace("\n", " "))
                for tb in stats["tracebacks"]:
                    print("   ", tb.replace("\n", " ")[:200])
                page.close()
            browser.close()
    finally:
        lab.terminate()
        try:
            lab.wait(10)
        except subprocess.TimeoutExpired:
            lab.kill()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
