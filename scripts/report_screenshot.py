"""Regenerate docs/report.png, the README's picture of the founding plan's HTML report.

Renders the founding seed's contingency plan (``uk-iraq-iran-2020``) with
``to_html``, opens it in headless Chromium (Debian's ``chromium``, driven by
Playwright: no browser download), and screenshots the top of the page at the
given viewport (not the full page), then writes it as a compact PNG.

Usage, from the repository root::

    python3 scripts/report_screenshot.py
    python3 scripts/report_screenshot.py --out docs/report.png --width 1200 --height 1500

The picture stops below the last section that fits whole in the viewport
(``--no-trim`` keeps the viewport's full height); ``--colours 0`` keeps every
colour instead of quantising to 256.

Chromium is found from ``EVACPLAN_CHROMIUM``, else on PATH (``chromium``,
``chromium-browser``, ``google-chrome``); install it with
``apt-get install chromium``.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
from pathlib import Path

from PIL import Image

from evacplan import plan
from evacplan.io import load_scenario, seed_path

SEED = "uk-iraq-iran-2020"
# Without these, Chromium phones home (updates, sync, field trials, QUIC) at start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def find_chromium() -> str:
    """Chromium's path, from EVACPLAN_CHROMIUM or PATH; exits with a hint when missing."""
    given = os.environ.get("EVACPLAN_CHROMIUM")
    found = given or next(
        filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None
    )
    if not found or not os.access(found, os.X_OK):
        sys.exit(
            f"no Chromium ({'EVACPLAN_CHROMIUM=' + given if given else 'none on PATH'}): "
            "install it with `apt-get install chromium`, or set EVACPLAN_CHROMIUM"
        )
    return found


def screenshot(html: Path, width: int, height: int, *, trim: bool = True) -> bytes:
    """The top of the page in a ``width`` x ``height`` viewport, as PNG bytes.

    With ``trim``, the picture stops below the last section that fits whole.
    """
    from playwright.sync_api import sync_playwright

    url = html.resolve().as_uri()
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            # The page is self-contained: let nothing but the file itself load.
            page.route(
                "**/*",
                lambda route: route.continue_() if route.request.url == url else route.abort(),
            )
            page.goto(url, wait_until="load")
            bottom = height
            if trim:
                # End below the last section that fits whole, not through a half-cut heading.
                ends = page.eval_on_selector_all(
                    "main#report > section.report-section",
                    "sections => sections.map(s => s.getBoundingClientRect().bottom)",
                )
                whole = [end for end in ends if end <= height]
                if whole:
                    bottom = min(height, round(max(whole)) + 24)
            return page.screenshot(clip={"x": 0, "y": 0, "width": width, "height": bottom})
        finally:
            browser.close()


def compact(png: bytes, colours: int) -> bytes:
    """The PNG re-encoded smaller: quantised to ``colours`` colours (0: kept), optimised."""
    with Image.open(io.BytesIO(png)) as decoded:
        image = decoded.convert("RGB")
    if colours:
        image = image.quantize(
            colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/report.png"), help="PNG to write")
    parser.add_argument("--width", type=int, default=1200, help="viewport width, CSS px")
    parser.add_argument("--height", type=int, default=1500, help="viewport height, CSS px")
    parser.add_argument(
        "--colours", type=int, default=256, help="quantise to this many colours (0: keep all)"
    )
    parser.add_argument(
        "--no-trim",
        dest="trim",
        action="store_false",
        help="keep the whole viewport, even a section cut off at its foot",
    )
    args = parser.parse_args(argv)

    contingency = plan(load_scenario(seed_path(SEED)))
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "plan.html"
        contingency.to_html(page)
        png = compact(screenshot(page, args.width, args.height, trim=args.trim), args.colours)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(png)
    with Image.open(io.BytesIO(png)) as written:
        size = f"{written.width}x{written.height}"
    print(f"wrote {args.out} ({len(png) / 1024:.0f} KB, {size} px)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
