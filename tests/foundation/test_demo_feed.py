"""`demo_feed`: the stand-in feed of `make run` writes through the services."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Max

from scoreboard.models import Change, Event, Source, Status


@pytest.mark.django_db(transaction=True)  # the command manages its own connections
def test_it_keeps_events_moving_through_the_services(make_event) -> None:
    for kind in ("football", "basketball", "ice_hockey", "tennis"):
        make_event(kind, live=True)
    scheduled = make_event("football")
    # The sequence outlives a flush of the table: compare with the highest id, not a count.
    before = Change.objects.aggregate(last=Max("id"))["last"] or 0
    out = StringIO()

    call_command("demo_feed", "--seconds", "2", "--interval", "0.05", "--seed", "7", stdout=out)

    assert "stopped after" in out.getvalue()
    feed = Change.objects.filter(id__gt=before)
    assert feed.exists()
    assert set(feed.values_list("source", "source_detail")) == {(Source.FEED, "demo")}
    # Fewer than six live: it starts the scheduled event first.
    scheduled.refresh_from_db()
    assert scheduled.status == Status.LIVE
    for event in Event.objects.all():
        versions = list(Change.objects.filter(event=event).values_list("version", flat=True))
        assert versions == list(range(1, event.version + 1))
