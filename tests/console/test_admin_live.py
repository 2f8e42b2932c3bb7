"""The Event admin for live work: quick actions, conflicts with re-apply, list edits."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from scoreboard import services
from scoreboard.models import Change, Event, Source
from scoreboard.services import Actor

from .conftest import client_for, form_data

pytestmark = pytest.mark.django_db


def _change_url(event: Event) -> str:
    return reverse("admin:scoreboard_event_change", args=[event.pk])


def _quick(client: Client, event: Event, quick: str, **fields: str) -> str:
    response = client.post(
        reverse("admin:scoreboard_event_quick", args=[event.pk]),
        {"quick": quick, "expected_version": str(event.version), **fields},
        follow=True,
    )
    assert response.status_code == 200
    return response.content.decode()


def test_it_scores_from_the_change_page_as_the_admin_user(
    editor: User, make_event: Callable[..., Event]
) -> None:
    event = make_event()
    page = client_for(editor).get(_change_url(event)).content.decode()
    assert 'value="goal_home"' in page and 'value="clock_stop"' in page

    html = _quick(client_for(editor), event, "goal_home", player="Saka", minute="23")

    event.refresh_from_db()
    assert (event.home_score, event.away_score) == (1, 0)
    goal = event.incidents.get(kind="goal")
    assert (goal.player, goal.minute) == ("Saka", 23)
    change = Change.objects.filter(event=event).last()
    assert (change.source, change.user_id) == ("admin", editor.pk)
    assert "Goal Arsenal Saka 23&#x27;" in html or "Goal Arsenal Saka 23'" in html


@pytest.mark.parametrize(
    ("quick", "check"),
    [
        ("yellow_away", lambda e: e.incidents.filter(kind="yellow_card", side="away").exists()),
        ("red_home", lambda e: e.incidents.filter(kind="red_card", side="home").exists()),
        ("sub_home", lambda e: e.incidents.filter(kind="substitution").exists()),
        ("clock_stop", lambda e: not e.clock_running),
        ("period", lambda e: e.status == "break"),
        ("finish", lambda e: e.status == "finished"),
    ],
)
def test_it_runs_each_quick_action_through_the_services(
    quick: str, check: Callable[[Event], bool], editor: User, make_event: Callable[..., Event]
) -> None:
    event = make_event()
    _quick(client_for(editor), event, quick, player="Rice", player_out="Jorginho")
    event.refresh_from_db()
    assert check(event)
    assert event.version == 3
    assert Change.objects.filter(event=event).last().source == "admin"


def test_it_refuses_a_stale_quick_action_and_says_what_changed(
    editor: User, editor2: User, make_event: Callable[..., Event]
) -> None:
    event = make_event()
    stale = Event.objects.get(pk=event.pk)
    services.record_score(
        event=event, side="away", actor=Actor(source=Source.CONSOLE, user=editor2)
    )

    html = _quick(client_for(editor), stale, "goal_home")

    assert "Not applied" in html and "Goal (away)" in html and "eddie" in html
    event.refresh_from_db()
    assert (event.home_score, event.away_score) == (0, 1)


def test_it_shows_a_conflict_and_reapplies_only_the_editors_own_edit(
    editor: User, editor2: User, make_event: Callable[..., Event]
) -> None:
    event = make_event()
    erin, eddie = client_for(editor), client_for(editor2)
    erin_form = form_data(erin.get(_change_url(event)).content.decode())
    eddie_form = form_data(eddie.get(_change_url(event)).content.decode())
    eddie_form.update({"away_score": ["2"], "reason": ["two goals missed"]})
    assert eddie.post(_change_url(event), eddie_form).status_code == 302
    changes = Change.objects.count()

    erin_form.update({"venue": ["Wembley"]})
    refused = erin.post(_change_url(event), erin_form)

    assert refused.status_code == 200
    html = refused.content.decode()
    assert "changed since you opened it" in html
    assert "Score set to 0-2 (two goals missed)" in html and "eddie" in html
    assert "venue = Wembley" in html
    assert Change.objects.count() == changes
    event.refresh_from_db()
    assert (event.venue, event.away_score) == ("", 2)

    token = refused.context["live"]["conflict"]["token"]
    response = erin.post(
        reverse("admin:scoreboard_event_reapply", args=[event.pk]), {"token": token}
    )

    assert response.status_code == 302
    event.refresh_from_db()
    # Erin's edit lands on top; Eddie's score is kept, not overwritten by Erin's stale form.
    assert (event.venue, event.home_score, event.away_score) == ("Wembley", 0, 2)
    last = Change.objects.filter(event=event).last()
    assert (last.kind, last.source, last.user_id) == ("details", "admin", editor.pk)


def test_it_edits_score_and_status_from_the_list_through_the_services(
    editor: User, make_event: Callable[..., Event]
) -> None:
    event = make_event()
    client = client_for(editor)
    url = reverse("admin:scoreboard_event_changelist") + "?status=live_now"
    data = form_data(client.get(url).content.decode(), form_id="changelist-form")
    data.update({"form-0-home_score": ["1"], "form-0-status": ["break"], "_save": ["Save"]})

    assert client.post(url, data).status_code == 302

    event.refresh_from_db()
    assert (event.home_score, event.status, event.version) == (1, "break", 4)
    kinds = list(Change.objects.filter(event=event, version__gt=2).values_list("kind", "source"))
    assert kinds == [("score_corrected", "admin"), ("status", "admin")]


def test_it_refuses_a_stale_list_row(editor: User, make_event: Callable[..., Event]) -> None:
    event = make_event()
    client = client_for(editor)
    url = reverse("admin:scoreboard_event_changelist") + "?status=live_now"
    data = form_data(client.get(url).content.decode(), form_id="changelist-form")
    services.record_score(event=event, side="away", actor=Actor(source=Source.FEED, detail="opta"))
    data.update({"form-0-home_score": ["3"], "_save": ["Save"]})

    response = client.post(url, data)

    assert response.status_code == 200
    assert "changed since you opened it" in response.content.decode()
    event.refresh_from_db()
    assert (event.home_score, event.away_score) == (0, 1)


def test_it_releases_feed_overrides_with_an_admin_action(
    editor: User, make_event: Callable[..., Event]
) -> None:
    from scoreboard.feeds.models import FieldLock
    from scoreboard.feeds.overrides import lock_field

    event = make_event()
    lock_field(event=event, field="score", user=editor, reason="feed wrong")
    response = client_for(editor).post(
        reverse("admin:scoreboard_event_changelist"),
        {"action": "release_overrides", "_selected_action": [event.pk]},
        follow=True,
    )
    assert "1 override(s) released to the feed." in response.content.decode()
    assert not FieldLock.objects.filter(event=event).exists()


def test_it_lets_viewers_see_but_not_act_in_the_admin(
    viewer: User, make_event: Callable[..., Event]
) -> None:
    event = make_event()
    client = client_for(viewer)
    page = client.get(_change_url(event)).content.decode()
    assert "Goal Arsenal" not in page
    response = client.post(
        reverse("admin:scoreboard_event_quick", args=[event.pk]),
        {"quick": "goal_home", "expected_version": event.version},
    )
    assert response.status_code == 403
    assert Change.objects.filter(event=event).count() == 2
