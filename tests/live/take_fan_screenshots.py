"""Screenshots of the fan pages for docs/screenshots/, desktop and phone.

    BASE_URL=http://127.0.0.1:8731 .venv/bin/python tests/live/take_fan_screenshots.py

Needs a running server with demo data (`manage.py seed_demo`); with `manage.py
demo_feed` running the live rows move meanwhile. It follows the home team of the first
live football match (the `follow` cookie live.js keeps), so "My matches" leads "Live now".
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

BASE = os.environ.get("BASE_URL", "http://127.0.0.1:8731")
OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update"]  # fmt: skip
DEVICES = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}


def open_page(browser: Browser, device: str, scheme: str, team_id: str) -> Page:
    context = browser.new_context(
        color_scheme=scheme, timezone_id="Europe/London", **DEVICES[device]
    )
    context.add_cookies([{"name": "follow", "value": f"t{team_id}", "url": BASE}])
    page = context.new_page()
    # Alerts on, as a fan who follows a team would have them.
    follow = json.dumps({"teams": {team_id: True}, "events": {}})
    page.add_init_script(
        "localStorage.setItem('scoreline.alerts', JSON.stringify({toast: true, system: false}));"
        f"localStorage.setItem('scoreline.follow', JSON.stringify({follow}));"
    )
    return page


def shoot(page: Page, path: str, name: str, *, live: bool = True, show: str = "") -> None:
    page.goto(BASE + path)
    if live:
        page.wait_for_selector("#live-status[data-state=live]", timeout=20_000)
    if show:
        page.locator(show).scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=str(OUT / name))
    print("wrote", name)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        probe = browser.new_page()
        probe.goto(BASE + "/?sport=football")
        row = probe.locator("#live-region .row").first
        team_id = row.get_attribute("data-home") or ""
        event_id = row.get_attribute("data-event")
        competition = probe.locator("#live-region .competition-title a").first.get_attribute("href")
        probe.goto(f"{BASE}/events/{event_id}/")
        team_path = probe.locator(".eh-team.home a.name").get_attribute("href") or ""
        probe.close()
        query = os.environ.get("SEARCH", "real")
        for device in DEVICES:
            page = open_page(browser, device, "light", team_id)
            shoot(page, "/", f"live-now-my-matches-{device}.png")
            shoot(page, team_path, f"team-page-{device}.png")
            shoot(page, f"/search/?q={query}", f"search-results-{device}.png", live=False)
            if device == "desktop":  # results as you type, in the header
                page.goto(BASE + "/")
                page.locator("#site-search").press_sequentially(query[:3])
                page.wait_for_selector("#search-suggestions a")
                page.screenshot(path=str(OUT / "search-as-you-type-desktop.png"))
                print("wrote search-as-you-type-desktop.png")
            shoot(page, competition or "/", f"live-table-{device}.png", show="[id^=standings-]")
            page.context.close()
            dark = open_page(browser, device, "dark", team_id)
            shoot(dark, "/", f"dark-live-now-{device}.png")
            dark.context.close()
        browser.close()


if __name__ == "__main__":
    main()
