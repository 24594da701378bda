#!/usr/bin/env python3
"""Open every page of the built book in a real browser and check what a reader sees.

For each page: it loads with no console error, every image has loaded (naturalWidth > 0) and is
drawn with a width, nothing is wider than the window or cut off by a box that hides what
overflows it (a clipped drawing, table or line of code), every local
link leads to a page that exists (and to its #anchor), and nothing is fetched from the network
(any request that leaves the local server is blocked and reported). Saves a full-page screenshot
per page into --out. Exit 1 on any problem.

Drives Debian's Chromium (/usr/bin/chromium, `apt-get install chromium`) with the playwright
package; no browser is downloaded. The book is served from a local HTTP server, so a missing
file is a real 404.

usage: book_check.py [--site site] [--out book-check] [--no-screenshots]
"""
import argparse
import functools
import http.server
import re
import sys
import threading
from pathlib import Path
from urllib.parse import urldefrag

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # a developer tool: playwright is not among the course's dependencies
    sys.exit("book_check.py needs the playwright package (pip install playwright); it drives "
             "/usr/bin/chromium and downloads no browser")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[1]

# What a page shows, read in the browser: broken images, how many images, SVGs and formulas it
# draws, how much wider than the window it is, and its local links.
INSPECT = """() => ({
  broken: [...document.images].filter(i => !i.complete || i.naturalWidth === 0
            || i.getBoundingClientRect().width === 0).map(i => i.src.slice(0, 80)),
  images: document.images.length,
  svgs: document.querySelectorAll('svg').length,
  math: document.querySelectorAll('math').length,
  overflow: document.documentElement.scrollWidth - window.innerWidth,
  clipped: [...document.querySelectorAll('main *')].filter(e => e.scrollWidth > e.clientWidth + 1
            && getComputedStyle(e).overflowX === 'hidden').map(e => e.className || e.tagName),
  height: document.documentElement.scrollHeight,
  links: [...document.querySelectorAll('a[href]')].map(a => a.href),
})"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(site):
    """Serve `site` on a free local port in a thread; returns (server, base url)."""
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/"


def check_page(context, url, shot):
    """Problems seen on one page (a list of strings) and what it shows (a dict)."""
    problems = []
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status}: {r.url}"))
    response = page.goto(url, wait_until="load")
    if response is None or response.status != 200:
        problems.append(f"page status {response and response.status}")
    seen = page.evaluate(INSPECT)
    problems += [f"broken image: {src}" for src in seen["broken"]]
    problems += [f"content cut off on the right in: {name}" for name in seen["clipped"]]
    if seen["overflow"] > 0:
        problems.append(f"{seen['overflow']} px wider than the window: something overflows")
    if shot:
        page.screenshot(path=str(shot), full_page=True)
    page.close()
    return problems, seen


def check_links(context, links, base):
    """Problems with local links: a target that is not served, or an #anchor it lacks."""
    problems, texts = [], {}
    for link in sorted(links):
        target, fragment = urldefrag(link)
        if not target.startswith(base):
            continue
        if target not in texts:
            r = context.request.get(target)
            texts[target] = r.text() if r.ok else None
            if not r.ok:
                problems.append(f"link to {target[len(base):]}: {r.status}")
        text = texts[target]
        if fragment and text is not None and not re.search(f'id="{re.escape(fragment)}"', text):
            problems.append(f"link to {link[len(base):]}: no such anchor")
    return problems


def check(site, out=None):
    """Check every page of the book in `site`; returns {page: problems}, printing a line each."""
    site = Path(site)
    if not Path(CHROMIUM).exists():
        raise FileNotFoundError(f"no {CHROMIUM}: install Debian's chromium "
                                "(apt-get install chromium)")
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    if "index.html" not in pages:
        raise FileNotFoundError(f"no index.html in {site}: build the book first (make book)")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
    server, base = serve(site)
    report, links = {}, set()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            blocked = []

            def local_only(route):
                if route.request.url.startswith(base):
                    return route.continue_()
                blocked.append(route.request.url)
                return route.abort()

            context.route("**/*", local_only)
            for name in pages:
                shot = Path(out) / (name.replace("/", "_")[:-5] + ".png") if out else None
                problems, seen = check_page(context, base + name, shot)
                problems += [f"fetch from the network (blocked): {u}" for u in blocked]
                blocked.clear()
                links |= set(seen["links"])
                report[name] = problems
                print(f"{'FAIL' if problems else 'ok  '} {name}: {seen['images']} images, "
                      f"{seen['svgs']} svg, {seen['math']} formulas, {seen['height']} px tall")
                for problem in problems:
                    print("     ", problem)
            report["(links)"] = check_links(context, links, base)
            for problem in report["(links)"]:
                print("FAIL", problem)
            browser.close()
    finally:
        server.shutdown()
    return report


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--site", default=str(ROOT / "site"), help="the built book (default: site/)")
    ap.add_argument("--out", default=str(ROOT / "book-check"), help="screenshots go here")
    ap.add_argument("--no-screenshots", action="store_true")
    a = ap.parse_args()
    report = check(a.site, None if a.no_screenshots else a.out)
    bad = sum(len(v) for v in report.values())
    print(f"{len(report) - 1} pages, {bad} problems" +
          ("" if a.no_screenshots else f"; screenshots in {a.out}"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
