"""The Django admin goes live (issue 21): the event changelist and change form follow the
staff live socket, and the change form joins the console's presence.

A uvicorn server per test, with the feed webhook enabled; the feed test adds a
real Celery worker and the outbox publisher (`manage.py publish_live`), so a pushed
message travels webhook -> worker -> commit -> publisher -> Redis -> hub -> browser.
Set SCORELINE_SCREENSHOTS=docs/screenshots to write the documentation screenshots.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, expect

from scoreboard import services
from scoreboard.feeds.adapters import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from scoreboard.feeds.models import ProcessedMessage
from scoreboard.models import Change, Event, Source
from scoreboard.services import Actor
from tests.feeds.conftest import (
    FEED_ENV,
    SECRET,
    CeleryWorker,
    new_match_event,
    simulated_messages,
)
from tests.support.asgi_server import REPO, AsgiServer, server_database_url
from tests.support.broker import purge_queues

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CHANGELIST = "/admin/scoreboard/event/?status=live_now"
WITHIN_S = 1.0  # the budget from commit to what the admin shows


@pytest.fixture
def feed_server(transactional_db: None) -> Iterator[AsgiServer]:
    # One server per test: the flush between tests re-creates the content types under
    # new ids, and a server process kept across tests would log admin saves against the
    # ids it cached (an IntegrityError on django_admin_log).
    with AsgiServer(
        database_url=server_database_url(), redis_url=os.environ["REDIS_URL"], env=FEED_ENV
    ) as instance:
        yield instance


@pytest.fixture
def login(browser: Browser, feed_server: AsgiServer) -> Iterator[Callable[[User], Page]]:
    contexts: list[BrowserContext] = []

    def make(user: User) -> Page:
        context = browser.new_context(
            timezone_id="UTC", viewport={"width": 1440, "height": 1000}, base_url=feed_server.url
        )
        client = Client()
        client.force_login(user)
        session = client.cookies["sessionid"].value
        context.add_cookies([{"name": "sessionid", "value": session, "url": feed_server.url}])
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def feed_pipeline(feed_server: AsgiServer) -> Iterator[None]:
    """A real ingest worker and the outbox publisher, as the Procfile runs them."""
    purge_queues()
    worker = CeleryWorker(database_url=server_database_url(), concurrency=1).start()
    log = tempfile.NamedTemporaryFile(prefix="scoreline-publish-", suffix=".log", delete=False)  # noqa: SIM115
    env = {**os.environ, "DATABASE_URL": server_database_url(), "DEBUG": "1"}
    publisher = subprocess.Popen(
        [sys.executable, "manage.py", "publish_live"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_for_line(Path(log.name), "publish_live: listening", timeout=30)
        yield
    finally:
        publisher.terminate()
        publisher.wait(timeout=15)
        worker.stop()
        purge_queues()


def _wait_for_line(path: Path, text: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in path.read_text(errors="replace"):
            return
        time.sleep(0.05)
    raise AssertionError(f"no {text!r} in {path}: {path.read_text(errors='replace')[-2000:]}")


def _push(server: AsgiServer, messages: list[dict]) -> None:
    body = json.dumps({"messages": messages}).encode()
    timestamp = str(int(time.time()))
    response = httpx.post(
        f"{server.url}/feeds/sim/push",
        content=body,
        headers={
            "content-type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(SECRET, timestamp, body),
        },
    )
    assert response.status_code == 202, response.text


def _wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _wait_for_commit(event: Event, predicate: Callable[[Event], bool], timeout: float) -> Event:
    """Poll the database until the committed event satisfies `predicate`: the moment the
    commit became visible (to within the 10 ms poll)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = Event.objects.get(pk=event.pk)
        if predicate(current):
            return current
        time.sleep(0.01)
    raise AssertionError(f"event {event.pk} never reached the expected state")


def _row(page: Page, event: Event):
    return page.locator(f"#result_list tr:has(.live-event[data-event='{event.pk}'])")


def _live(page: Page) -> None:
    expect(page.locator("#admin-live-status")).to_have_attribute("data-state", "live")


def _snap(page: Page, name: str) -> None:
    folder = os.environ.get("SCORELINE_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(REPO) / folder / name), full_page=False)


def test_the_changelist_follows_a_feed_message_and_keeps_a_row_being_edited(
    login: Callable[[User], Page],
    feed_server: AsgiServer,
    feed_pipeline: None,
    editor: User,
    editor2: User,
    make_event: Callable[..., Event],
) -> None:
    messages, _ = simulated_messages("football", seed=3, match_id="admin-live-1")
    goal = next(i for i, m in enumerate(messages) if m["score"]["home"] + m["score"]["away"])
    fed = new_match_event("football", "admin-live-1")
    _push(feed_server, messages[:goal])  # kick-off and the play before the first goal
    _wait_until(lambda: ProcessedMessage.objects.count() == goal, 30, "the first messages")
    before = Event.objects.get(pk=fed.pk)
    edited = make_event(home="Leeds", away="Everton")

    page = login(editor)
    page.goto(CHANGELIST)
    _live(page)
    expect(_row(page, fed).locator("input[name$='-version']")).to_have_value(str(before.version))
    # The editor starts correcting Leeds's score in the list, without saving.
    page.locator(f"{_row_css(edited)} input[name$='-home_score']").fill("5")

    _push(feed_server, [messages[goal]])
    after = _wait_for_commit(
        fed, lambda e: e.version > before.version and e.home_score + e.away_score > 0, 10
    )
    row = _row(page, fed)
    expect(row.locator("input[name$='-home_score']")).to_have_value(
        str(after.home_score), timeout=WITHIN_S * 1000
    )
    expect(row.locator("input[name$='-away_score']")).to_have_value(
        str(after.away_score), timeout=WITHIN_S * 1000
    )
    expect(row.locator(".live-ver")).to_have_text(f"v{after.version}", timeout=WITHIN_S * 1000)
    assert page.url.endswith(CHANGELIST)  # no reload

    changed = services.record_score(
        event=edited.pk, side="away", actor=Actor(source=Source.CONSOLE, user=editor2)
    )
    edited_row = _row(page, edited)
    expect(edited_row.locator(".live-mark")).to_contain_text(
        f"changed meanwhile (v{changed.version})", timeout=WITHIN_S * 1000
    )
    # Not overwritten: the editor's 5 stays, and so does the version the row was read at.
    expect(edited_row.locator("input[name$='-home_score']")).to_have_value("5")
    expect(edited_row.locator("input[name$='-away_score']")).to_have_value("0")
    _snap(page, "admin-live-changelist.png")

    edited_row.locator(".live-refresh-row").click()
    expect(edited_row.locator("input[name$='-home_score']")).to_have_value("0")
    expect(edited_row.locator("input[name$='-away_score']")).to_have_value("1")
    expect(edited_row.locator(".live-ver")).to_have_text(f"v{changed.version}")
    expect(edited_row.locator(".live-mark")).to_have_count(0)


def _row_css(event: Event) -> str:
    return f"#result_list tr:has(.live-event[data-event='{event.pk}'])"


def test_events_going_live_or_finishing_appear_and_leave_the_filtered_list(
    login: Callable[[User], Page], editor: User, make_event: Callable[..., Event]
) -> None:
    playing = make_event(home="Fulham", away="Brentford")
    waiting = make_event(home="Wolves", away="Burnley", status="scheduled")
    page = login(editor)
    page.goto(CHANGELIST)
    _live(page)
    expect(_row(page, playing)).to_have_count(1)
    expect(_row(page, waiting)).to_have_count(0)

    services.change_status(event=waiting.pk, status="live")
    expect(_row(page, waiting)).to_have_count(1)
    services.change_status(event=playing.pk, status="finished")
    expect(_row(page, playing)).to_have_count(0)
    expect(_row(page, waiting)).to_have_count(1)
    # The list still saves: the appeared row's inputs are numbered into the formset.
    page.locator(f"{_row_css(waiting)} input[name$='-home_score']").fill("1")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_be_visible()
    waiting.refresh_from_db()
    assert waiting.home_score == 1


def test_the_change_form_shows_a_console_change_and_loads_it_keeping_my_edit(
    login: Callable[[User], Page],
    editor: User,
    editor2: User,
    make_event: Callable[..., Event],
) -> None:
    event = make_event(home="Leeds", away="Everton")
    page = login(editor)
    page.goto(f"/admin/scoreboard/event/{event.pk}/change/")
    _live(page)
    page.fill("#id_venue", "Elland Road")  # the editor's own, unsaved edit

    # Eddie scores in the console, in his own browser.
    console = login(editor2)
    console.goto(f"/console/?event={event.pk}")
    console.fill("#qf-player", "Bamford")
    console.click("#panel-controls button.b-score.home")
    committed = _wait_for_commit(event, lambda e: e.home_score == 1, 10)
    banner = page.locator("#live-banner")
    # The banner and the difference come with the socket frame, within the budget...
    expect(banner).to_be_visible(timeout=WITHIN_S * 1000)
    expect(banner.locator(".live-diff")).to_contain_text(
        "Home score: now 1, the form has 0", timeout=WITHIN_S * 1000
    )
    expect(banner.locator(".lb-version")).to_contain_text(f"v{committed.version}")
    # ...who made the change and what it was follow from one GET of the live state.
    expect(banner).to_contain_text("changed by eddie at")
    expect(banner).to_contain_text("Goal (home) Bamford")
    expect(banner).to_contain_text(f"→ 1-0 (v{committed.version})")
    expect(banner.locator(".live-diff")).to_contain_text("your unsaved edit Elland Road (kept)")
    expect(page.locator("#incidents-group .live-new-incident")).to_contain_text("Bamford")
    expect(page.locator("#admin-presence .who")).to_have_text(["eddie"], timeout=8000)
    _snap(page, "admin-live-change-form.png")

    page.click("#live-load")
    expect(page.locator("#id_home_score")).to_have_value("1")
    expect(page.locator("#id_venue")).to_have_value("Elland Road")
    expect(banner.locator(".live-loaded")).to_contain_text("Your edits kept: Venue = Elland Road")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist .success")).to_be_visible()
    event.refresh_from_db()
    assert (event.venue, event.home_score) == ("Elland Road", 1)
    last = Change.objects.filter(event=event).last()
    assert (last.kind, last.user_id) == ("details", editor.pk)


def test_the_admin_change_form_and_the_console_see_each_other(
    login: Callable[[User], Page],
    editor: User,
    editor2: User,
    make_event: Callable[..., Event],
) -> None:
    event = make_event()
    admin = login(editor)
    admin.goto(f"/admin/scoreboard/event/{event.pk}/change/")
    console = login(editor2)
    console.goto(f"/console/?event={event.pk}")

    expect(admin.locator("#admin-presence .who")).to_have_text(["eddie"], timeout=8000)
    expect(console.locator(f"#card-{event.pk} .presence .who", has_text="erin")).to_be_visible(
        timeout=8000
    )


def test_a_viewer_gets_the_live_changelist_read_only(
    login: Callable[[User], Page], viewer: User, make_event: Callable[..., Event]
) -> None:
    event = make_event()
    page = login(viewer)
    page.goto(CHANGELIST)
    _live(page)
    row = _row(page, event)
    expect(row.locator("input[type=number], input[type=text], select")).to_have_count(0)

    changed = services.record_score(event=event.pk, side="home", actor=Actor(source=Source.FEED))
    expect(row.locator("td.field-home_score")).to_have_text("1", timeout=WITHIN_S * 1000)
    expect(row.locator("td.field-version")).to_have_text(str(changed.version))
    expect(page.locator("input[name=_save]")).to_have_count(0)


def test_the_changelist_resumes_from_its_cursor_after_the_server_was_away(
    login: Callable[[User], Page],
    feed_server: AsgiServer,
    editor: User,
    make_event: Callable[..., Event],
) -> None:
    event = make_event()
    page = login(editor)
    page.goto(CHANGELIST)
    _live(page)

    feed_server.stop()
    expect(page.locator("#admin-live-status")).to_have_attribute("data-state", "reconnecting")
    # Published while no server listens: only the replay on reconnect can bring it.
    changed = services.record_score(event=event.pk, side="away", actor=Actor(source=Source.FEED))
    feed_server.start()

    row = _row(page, event)
    expect(row.locator("input[name$='-away_score']")).to_have_value("1", timeout=20_000)
    expect(row.locator(".live-ver")).to_have_text(f"v{changed.version}")
    _live(page)
