"""Screenshots of the four page kinds at desktop and phone width.

    BASE_URL=http://127.0.0.1:8201 .venv/bin/python docs/screenshots/take_screenshots.py

Needs a running server with demo data (`manage.py seed_demo`, or any live events).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = os.environ.get("BASE_URL", "http://127.0.0.1:8201")
OUT = Path(__file__).resolve().parent
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def main() -> None:
    pages = {
        "live-now": "/",
        "by-day": "/day/",
        "competition": os.environ.get("COMPETITION_PATH", "/competitions/premier-league/"),
        "event": os.environ.get("EVENT_PATH", ""),
        "event-tennis": os.environ.get("TENNIS_PATH", ""),
    }
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update"],
        )  # fmt: skip
        for kind, (width, height) in WIDTHS.items():
            context = browser.new_context(
                viewport={"width": width, "height": height},
                device_scale_factor=1,
                timezone_id="Europe/London",
                is_mobile=kind == "phone",
            )
            page = context.new_page()
            for name, path in pages.items():
                if not path:
                    continue
                page.goto(BASE + path)
                page.wait_for_timeout(1200)
                page.screenshot(path=str(OUT / f"{name}-{kind}.png"), full_page=True)
                print("wrote", f"{name}-{kind}.png")
            context.close()
        browser.close()


if __name__ == "__main__":
    sys.exit(main())
