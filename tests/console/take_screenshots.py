"""Screenshots of the console and the event admin for docs/screenshots/.

    BASE_URL=http://127.0.0.1:8701 EVENT_ID=6 .venv/bin/python tests/console/take_screenshots.py

Needs a running server with demo data (`manage.py seed_demo`), staff users "erin" and
"eddie" in the editor group (password in CONSOLE_PASSWORD), and ideally
`manage.py demo_feed` running so the board and the charts move.
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

BASE = os.environ.get("BASE_URL", "http://127.0.0.1:8701")
EVENT = os.environ.get("EVENT_ID", "6")
PASSWORD = os.environ.get("CONSOLE_PASSWORD", "match-day-2026")
OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update"]  # fmt: skip


def login(browser: Browser, user: str, path: str, height: int = 900) -> Page:
    context = browser.new_context(
        viewport={"width": 1440, "height": height}, timezone_id="Europe/London"
    )
    page = context.new_page()
    page.goto(f"{BASE}/admin/login/?next={path}")
    page.fill("#id_username", user)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


def main() -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        eddie = login(browser, "eddie", f"/console/%3Fevent%3D{EVENT}")
        fan = browser.new_page()
        fan.goto(f"{BASE}/events/{EVENT}/")
        erin = login(browser, "erin", f"/console/%3Fevent%3D{EVENT}")
        erin.wait_for_selector("#panel-head")
        # Let the charts collect some points while the demo feed runs.
        erin.wait_for_timeout(24_000)
        for _ in range(3):  # the demo feed may change the event under the click
            erin.fill("#qf-player", "B. Saka")
            erin.locator("#qf-player").press("Escape")
            erin.keyboard.press("h")
            erin.wait_for_timeout(1500)
            if erin.locator("#toast.is-on .b-undo").count():
                break
            print("no undo toast:", erin.locator("#panel-messages").inner_text()[:200])
        erin.screenshot(path=str(OUT / "console.png"))
        print("wrote console.png")

        # A stale edit in Eddie's console: pretend his click was based on an old version.
        eddie.wait_for_timeout(1000)
        eddie.evaluate(
            "() => { const v = document.getElementById('panel-version');"
            " v.value = String(Number(v.value) - 2); }"
        )
        eddie.click("#panel-controls button.b-score.away")
        eddie.wait_for_selector("#panel-messages .conflict")
        eddie.screenshot(path=str(OUT / "console-conflict.png"))
        print("wrote console-conflict.png")

        admin = login(browser, "erin", f"/admin/scoreboard/event/{EVENT}/change/", height=1000)
        admin.screenshot(path=str(OUT / "admin-event.png"))
        print("wrote admin-event.png")
        other = login(browser, "eddie", f"/admin/scoreboard/event/{EVENT}/change/", height=1000)
        admin.fill("#id_venue", "Anfield")
        admin.click("input[name=_continue]")
        admin.wait_for_load_state("networkidle")
        other.fill("#id_venue", "Anfield Road")
        other.click("input[name=_continue]")
        other.wait_for_selector(".conflict-box")
        other.screenshot(path=str(OUT / "admin-conflict.png"))
        print("wrote admin-conflict.png")
        admin.goto(f"{BASE}/admin/scoreboard/event/?status=live_now")
        admin.screenshot(path=str(OUT / "admin-live-list.png"))
        print("wrote admin-live-list.png")
        browser.close()


if __name__ == "__main__":
    main()
