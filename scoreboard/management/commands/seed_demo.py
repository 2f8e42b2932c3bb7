"""Seed realistic demo data (idempotent) and a staff account for the admin.

Every demo event carries a `ProviderMapping(provider="demo")`; an event whose mapping
exists is left alone, so running the command again changes nothing. Events are created
and played THROUGH the services, so their change log is the one a real feed would leave.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from scoreboard import services
from scoreboard.console.roles import setup_roles
from scoreboard.demo import COMPETITIONS, SEED_ACTOR, SPORTS, CompetitionSpec, play_to
from scoreboard.models import Change, Competition, Event, ProviderMapping, Sport, Team

DEMO_PROVIDER = "demo"
# A development-only default; set DEMO_ADMIN_PASSWORD to choose another.
DEFAULT_DEV_PASSWORD = "scoreline-admin"


class Command(BaseCommand):
    help = "Create demo sports, competitions, teams and ~45 events (idempotent), and an admin."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="random seed for play")
        parser.add_argument("--no-admin", action="store_true", help="do not touch the admin")

    def handle(self, *args: Any, seed: int, no_admin: bool, **options: Any) -> None:
        created = self._seed(random.Random(seed))
        # The console's "editor" and "viewer" groups, so staff can be given a role.
        setup_roles()
        if not no_admin:
            self._ensure_admin()
        self.stdout.write(f"Demo data: {created} event(s) created.")

    @transaction.atomic
    def _seed(self, rng: random.Random) -> int:
        """Create the demo events not there yet; returns how many it created."""
        # Day slots are relative to the first seeding; later runs find them and stop.
        now = timezone.now().replace(second=0, microsecond=0)
        sports = {
            kind: _ensure_sport(slug, name, kind, order) for slug, name, kind, order in SPORTS
        }
        created: list[int] = []
        for spec in COMPETITIONS:
            competition = _ensure_competition(spec, sports[spec.sport])
            teams = [_ensure_team(sports[spec.sport], *row) for row in spec.teams]
            for day, targets in sorted(spec.plan.items()):
                for slot, target in enumerate(targets):
                    code = f"{spec.slug}:{day:+d}:{slot}"
                    if ProviderMapping.objects.filter(
                        provider=DEMO_PROVIDER, kind=ProviderMapping.Kind.EVENT, provider_id=code
                    ).exists():
                        continue
                    event = _seed_event(code, spec, competition, teams, day, slot, target, now, rng)
                    created.append(event.pk)
        # Seeding writes history, not news: nobody watches these events yet, so mark their
        # changes published in this transaction rather than push ~1,000 of them (on commit
        # and again from the relay) through the live path.
        Change.objects.filter(event_id__in=created, published_at__isnull=True).update(
            published_at=timezone.now()
        )
        return len(created)

    def _ensure_admin(self) -> None:
        password = os.environ.get("DEMO_ADMIN_PASSWORD", "")
        if not password:
            if not settings.DEBUG:
                # Never plant a known password outside development.
                self.stdout.write("No admin created: set DEMO_ADMIN_PASSWORD or createsuperuser.")
                return
            password = DEFAULT_DEV_PASSWORD
        User = get_user_model()
        user, _ = User.objects.get_or_create(
            username="admin", defaults={"email": "admin@localhost"}
        )
        fields = []
        for flag in ("is_staff", "is_superuser", "is_active"):
            if not getattr(user, flag):
                setattr(user, flag, True)
                fields.append(flag)
        if not user.check_password(password):
            user.set_password(password)
            fields.append("password")
        if fields:
            user.save(update_fields=fields)
        self.stdout.write(
            self.style.SUCCESS(
                "\n  Admin: http://127.0.0.1:8000/admin/\n"
                f"  username: admin\n  password: {password}\n"
            )
        )


def _ensure_sport(slug: str, name: str, kind: str, order: int) -> Sport:
    sport, _ = Sport.objects.get_or_create(
        slug=slug, defaults={"name": name, "kind": kind, "display_order": order}
    )
    return sport


def _ensure_competition(spec: CompetitionSpec, sport: Sport) -> Competition:
    competition, _ = Competition.objects.get_or_create(
        slug=spec.slug,
        defaults={
            "sport": sport,
            "name": spec.name,
            "season": spec.season,
            "country": spec.country,
            "display_order": spec.order,
        },
    )
    return competition


def _ensure_team(sport: Sport, name: str, short_name: str, country: str) -> Team:
    team, _ = Team.objects.get_or_create(
        sport=sport, name=name, defaults={"short_name": short_name, "country": country}
    )
    return team


def _kickoff(day: int, slot: int, target: str, now: dt.datetime) -> dt.datetime:
    """A plausible kick-off for the slot: live events started recently, others by day."""
    status = target.partition(":")[0]
    if day == 0 and status in ("live", "break"):
        return now - dt.timedelta(minutes=25 + 35 * slot)
    if day == 0 and status == "finished":
        return now - dt.timedelta(hours=3, minutes=30 * slot)
    if day == 0:
        return (now + dt.timedelta(hours=1 + slot)).replace(minute=0 if slot % 2 else 30)
    midnight = now.replace(hour=0, minute=0) + dt.timedelta(days=day)
    return midnight + dt.timedelta(hours=12, minutes=150 * slot)


def _seed_event(
    code: str,
    spec: CompetitionSpec,
    competition: Competition,
    teams: list[Team],
    day: int,
    slot: int,
    target: str,
    now: dt.datetime,
    rng: random.Random,
) -> Event:
    # Each day pairs the teams differently; a slot takes the next pair.
    order = list(range(len(teams)))
    random.Random(f"{spec.slug}:{day}").shuffle(order)
    home, away = teams[order[2 * slot % len(teams)]], teams[order[(2 * slot + 1) % len(teams)]]
    event = services.create_event(
        competition=competition,
        home=home,
        away=away,
        kickoff=_kickoff(day, slot, target, now),
        venue=f"{home.name} {spec.venue_suffix}" if spec.sport != "tennis" else spec.venue_suffix,
        actor=SEED_ACTOR,
    )
    play_to(event, target, rng, SEED_ACTOR)
    # The marker goes in with the event, in the seed's one transaction.
    ProviderMapping.objects.create(
        provider=DEMO_PROVIDER,
        kind=ProviderMapping.Kind.EVENT,
        provider_id=code,
        object_id=event.pk,
    )
    return event
