"""Minimal seed for the live benchmark: a few live football events, through the services.

Earlier bench events still live are abandoned first, so "live" holds only this run's.
Prints one JSON line: {"events": [ids], "since": latest change id}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--events", type=int, default=4)
    args = p.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liveapp.settings")
    import django

    django.setup()
    from django.utils import timezone

    from scoreboard.models import Change, Competition, Event, Source, Sport, Status, Team
    from scoreboard.services import Actor, change_status, create_event

    actor = Actor(source=Source.SYSTEM, detail="bench-live seed")
    sport, _ = Sport.objects.get_or_create(
        slug="bench-football", defaults={"name": "Bench football", "kind": "football"}
    )
    competition, _ = Competition.objects.get_or_create(
        slug="bench-live-cup", defaults={"sport": sport, "name": "Bench Live Cup"}
    )
    for old in Event.objects.filter(status__in=[Status.LIVE, Status.BREAK]):
        change_status(event=old, status=Status.ABANDONED, actor=actor)
    kickoff = timezone.now() - dt.timedelta(minutes=30)
    ids = []
    for n in range(args.events):
        home, _ = Team.objects.get_or_create(sport=sport, name=f"Bench Home {n + 1}")
        away, _ = Team.objects.get_or_create(sport=sport, name=f"Bench Away {n + 1}")
        event = create_event(
            competition=competition, home=home, away=away, kickoff=kickoff, actor=actor
        )
        change_status(event=event, status=Status.LIVE, actor=actor)
        ids.append(event.pk)
    since = Change.objects.order_by("-id").values_list("id", flat=True).first() or 0
    print(json.dumps({"events": ids, "since": since}))


if __name__ == "__main__":
    main()
