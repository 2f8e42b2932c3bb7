"""The admin's live stream and banner endpoint are staff-only (issue 21, acceptance 4)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser, User
from django.urls import reverse

from scoreboard import services
from scoreboard.console.consumers import StaffLiveConsumer
from scoreboard.models import Event, Source
from scoreboard.services import Actor

from .conftest import client_for

PATH = "/ws/console/live/?topics=live"


def _socket(user: object) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(StaffLiveConsumer.as_asgi(), PATH)
    comm.scope["user"] = user
    return comm


@pytest.mark.django_db(transaction=True)
def test_the_staff_live_socket_refuses_anyone_without_a_console_role(
    fan: User, outsider: User
) -> None:
    async def body() -> None:
        for user in (AnonymousUser(), fan, outsider):
            connected, code = await _socket(user).connect()
            assert (connected, code) == (False, 4403), user

    async_to_sync(body)()


@pytest.mark.django_db(transaction=True)
def test_the_staff_live_socket_serves_editors_and_viewers(editor: User, viewer: User) -> None:
    async def body() -> None:
        for user in (editor, viewer):
            comm = _socket(user)
            connected, _ = await comm.connect()
            assert connected, user
            await comm.disconnect()

    async_to_sync(body)()


@pytest.mark.django_db
def test_the_banner_says_who_changed_what_and_what_the_fields_hold_now(
    viewer: User, make_event: Callable[..., Event]
) -> None:
    event = make_event(home="Leeds", away="Everton")
    seen = event.version
    services.record_score(
        event=event.pk,
        side="home",
        player="Bamford",
        actor=Actor(source=Source.FEED, detail="opta"),
    )
    url = reverse("admin:scoreboard_event_live", args=[event.pk])

    response = client_for(viewer).get(url, {"since": seen, "after_incident": 0})

    assert response.status_code == 200
    html = response.content.decode()
    assert "changed by feed (opta) at " in html and "Goal (home) Bamford" in html
    assert f"→ 1-0 (v{seen + 1})" in html
    assert "&quot;home_score&quot;: {&quot;value&quot;: &quot;1&quot;" in html
    assert 'class="live-new-incident"' in html and "Goal" in html


@pytest.mark.django_db
def test_the_banner_endpoint_is_refused_to_non_staff_and_checks_its_input(
    editor: User, fan: User, outsider: User, make_event: Callable[..., Event]
) -> None:
    event = make_event()
    url = reverse("admin:scoreboard_event_live", args=[event.pk])
    # Not staff: the admin sends them to its login page; staff without the permission: 403.
    assert client_for(fan).get(url, {"since": 1}).status_code == 302
    assert client_for(outsider).get(url, {"since": 1}).status_code == 403
    assert client_for(editor).get(url, {"since": "x"}).status_code == 400
    assert client_for(editor).get(url, {"since": "-1"}).status_code == 400
    assert client_for(editor).get(url, {"since": "9" * 30}).status_code == 400
    assert (
        client_for(editor).get(url.replace(f"/{event.pk}/", "/x/"), {"since": 1}).status_code == 404
    )
