"""Staff edits through the Django admin's HTTP forms go through the services."""

from __future__ import annotations

import pytest
from django.db.models import Max
from django.urls import reverse

from scoreboard import services
from scoreboard.models import Change, Event, Incident, IncidentKind, Source, Status

from .conftest import CompetitionFactory, SportFactory, TeamFactory, form_data


def change_url(event: Event) -> str:
    return reverse("admin:scoreboard_event_change", args=[event.pk])


def open_form(client, event: Event) -> dict[str, list[str]]:
    response = client.get(change_url(event))
    assert response.status_code == 200
    return form_data(response.content.decode())


def post(client, event: Event, data: dict[str, list[str]], **edits: str):
    for name, value in edits.items():
        data[name] = [value]
    return client.post(change_url(event), data)


def errors(response) -> str:
    return " ".join(str(e) for e in response.context["errors"])


@pytest.fixture
def live_match(make_event) -> Event:
    return make_event("football", live=True)


def test_it_logs_exactly_one_change_when_staff_correct_the_score(
    staff_client, staff_user, live_match
) -> None:
    data = open_form(staff_client, live_match)
    last_id = Change.objects.aggregate(m=Max("id"))["m"]
    version = live_match.version

    response = post(staff_client, live_match, data, home_score="2", reason="scorer's goal missed")

    assert response.status_code == 302, errors(response)
    new = list(Change.objects.filter(id__gt=last_id))
    assert len(new) == 1
    change = new[0]
    assert change.id == last_id + 1
    assert (change.kind, change.version, change.event_id) == (
        "score_corrected",
        version + 1,
        live_match.pk,
    )
    assert (change.source, change.user) == (Source.ADMIN, staff_user)
    assert change.payload["data"] == {"home": 2, "away": 0, "reason": "scorer's goal missed"}
    assert change.payload["event"]["home_score"] == 2
    assert change.payload["event"]["version"] == version + 1
    live_match.refresh_from_db()
    assert (live_match.home_score, live_match.version) == (2, version + 1)


def test_it_refuses_a_form_opened_before_a_newer_change(staff_client, live_match) -> None:
    data = open_form(staff_client, live_match)
    # Meanwhile the feed records a goal for the away side.
    services.record_score(event=live_match, side="away", actor=services.Actor(source=Source.FEED))
    changes = Change.objects.count()

    response = post(staff_client, live_match, data, home_score="3", reason="typo")

    assert response.status_code == 200
    assert "changed since you opened it" in errors(response)
    assert Change.objects.count() == changes
    live_match.refresh_from_db()
    assert (live_match.home_score, live_match.away_score) == (0, 1)


def test_it_asks_for_a_reason_when_the_score_changes(staff_client, live_match) -> None:
    response = post(staff_client, live_match, open_form(staff_client, live_match), home_score="1")
    assert response.status_code == 200
    assert "Give a reason for the score change." in errors(response)


def test_it_shows_an_illegal_transition_as_a_form_error(staff_client, live_match) -> None:
    changes = Change.objects.count()
    response = post(
        staff_client, live_match, open_form(staff_client, live_match), status="scheduled"
    )
    assert response.status_code == 200
    assert "cannot change status from Live to Scheduled" in errors(response)
    assert Change.objects.count() == changes


def test_it_rolls_back_the_whole_save_when_a_service_refuses_part_of_it(
    staff_client, live_match
) -> None:
    # Going from 1H to ET1 closes the half (one change) and is then refused by the rules.
    changes = Change.objects.count()
    response = post(staff_client, live_match, open_form(staff_client, live_match), period="ET1")
    assert response.status_code == 200
    assert "ET1 cannot follow 1H" in errors(response)
    assert Change.objects.count() == changes
    live_match.refresh_from_db()
    assert (live_match.status, live_match.period) == (Status.LIVE, "1H")


def test_it_moves_to_the_next_period_through_a_break(staff_client, live_match) -> None:
    response = post(staff_client, live_match, open_form(staff_client, live_match), period="2H")
    assert response.status_code == 302, errors(response)
    live_match.refresh_from_db()
    assert (live_match.status, live_match.period) == (Status.LIVE, "2H")
    kinds = list(Change.objects.filter(event=live_match).values_list("kind", "version"))
    assert kinds[-2:] == [("status", 3), ("status", 4)]


def incident_rows(data: dict[str, list[str]]) -> int:
    return int(data["incidents-TOTAL_FORMS"][0])


def test_it_records_a_goal_added_inline_as_a_score(staff_client, live_match) -> None:
    data = open_form(staff_client, live_match)
    new = incident_rows(data) - 1  # the empty extra row
    response = post(
        staff_client,
        live_match,
        data,
        **{
            f"incidents-{new}-kind": "goal",
            f"incidents-{new}-side": "home",
            f"incidents-{new}-player": "Erling Moss",
            f"incidents-{new}-minute": "17",
        },
    )
    assert response.status_code == 302, errors(response)
    change = Change.objects.filter(event=live_match).latest("id")
    assert change.kind == "score"
    assert change.payload["data"]["incident"]["player"] == "Erling Moss"
    live_match.refresh_from_db()
    assert live_match.home_score == 1
    assert live_match.incidents.get(kind="goal").minute == 17


def test_it_removes_an_incident_only_with_a_reason(staff_client, live_match) -> None:
    services.record_score(event=live_match, side="home", player="Erling Moss")
    goal = Incident.objects.get(event=live_match, kind=IncidentKind.GOAL)
    data = open_form(staff_client, live_match)
    row = next(
        k.split("-")[1] for k, v in data.items() if k.endswith("-id") and v == [str(goal.pk)]
    )

    refused = post(staff_client, live_match, dict(data), **{f"incidents-{row}-DELETE": "on"})
    assert refused.status_code == 200
    assert "Give a reason to remove" in str(
        refused.context["inline_admin_formsets"][0].formset.non_form_errors()
    )

    response = post(
        staff_client,
        live_match,
        data,
        **{f"incidents-{row}-DELETE": "on", f"incidents-{row}-reason": "offside (VAR)"},
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    live_match.refresh_from_db()
    assert (goal.cancelled, goal.cancel_reason, live_match.home_score) == (True, "offside (VAR)", 0)
    assert Change.objects.filter(event=live_match).latest("id").kind == "incident_removed"


def test_it_creates_an_event_through_the_add_form(staff_client, staff_user) -> None:
    sport = SportFactory(kind="football")
    competition = CompetitionFactory(sport=sport)
    home, away = TeamFactory(sport=sport), TeamFactory(sport=sport)
    response = staff_client.post(
        reverse("admin:scoreboard_event_add"),
        {
            "competition": competition.pk,
            "home": home.pk,
            "away": away.pk,
            "kickoff_0": "2026-12-01",
            "kickoff_1": "20:00:00",
            "venue": "Riverside",
        },
    )
    assert response.status_code == 302
    event = Event.objects.get(home=home, away=away)
    assert (event.status, event.version, event.venue) == (Status.SCHEDULED, 1, "Riverside")
    change = Change.objects.get(event=event)
    assert (change.kind, change.source, change.user) == ("event_created", Source.ADMIN, staff_user)


def test_it_postpones_selected_events_with_an_action(staff_client, make_event) -> None:
    scheduled, live = make_event("football"), make_event("football", live=True)
    response = staff_client.post(
        reverse("admin:scoreboard_event_changelist"),
        {"action": "postpone_selected", "_selected_action": [scheduled.pk, live.pk]},
        follow=True,
    )
    assert response.status_code == 200
    scheduled.refresh_from_db()
    live.refresh_from_db()
    assert (scheduled.status, live.status) == (Status.POSTPONED, Status.LIVE)
    text = response.content.decode()
    assert "1 event(s) now postponed." in text
    assert "cannot change status from Live to Postponed" in text


def test_it_keeps_the_change_log_read_only(staff_client, live_match) -> None:
    change = Change.objects.filter(event=live_match).first()
    assert staff_client.get(reverse("admin:scoreboard_change_add")).status_code == 403
    assert (
        staff_client.post(reverse("admin:scoreboard_change_delete", args=[change.pk])).status_code
        == 403
    )
    view = staff_client.get(reverse("admin:scoreboard_change_change", args=[change.pk]))
    assert view.status_code == 200
    assert 'name="_save"' not in view.content.decode()
    assert (
        staff_client.post(
            reverse("admin:scoreboard_change_change", args=[change.pk]), {"kind": "x"}
        ).status_code
        == 403
    )


@pytest.mark.parametrize(
    "url",
    [
        "/admin/scoreboard/event/?status=live_now&q=Team",
        "/admin/scoreboard/event/?kickoff__year=2026&competition__sport__id__exact=1",
        "/admin/scoreboard/incident/?q=Moss",
        "/admin/scoreboard/change/?source=feed",
        "/admin/scoreboard/sport/",
        "/admin/scoreboard/competition/",
        "/admin/scoreboard/team/?q=Team",
        "/admin/scoreboard/providermapping/",
    ],
)
def test_it_lists_every_model(staff_client, live_match, url: str) -> None:
    assert staff_client.get(url).status_code == 200
