"""`manage.py create_api_key --partner NAME --scopes read stream webhooks`: a partner API key.

The token goes to stdout alone (so `KEY=$(manage.py create_api_key ...)` works) and is
shown this once: only its hash is stored. What it is for goes to stderr.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scoreboard.errors import DomainError
from scoreboard.partners import services
from scoreboard.partners.models import Partner, Scope


class Command(BaseCommand):
    help = "Create a partner API key (the partner too, if new) and print its token once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--partner", required=True, help="Partner name (created if new).")
        parser.add_argument(
            "--scopes",
            nargs="+",
            default=[Scope.READ],
            help=f"Any of {', '.join(Scope.values)} (space- or comma-separated; default read).",
        )
        parser.add_argument("--name", default="default", help="What the key is for.")
        parser.add_argument("--rate", default="600/min", help="Rate limit, e.g. 600/min.")

    def handle(self, *args: Any, **options: Any) -> None:
        scopes = [s for item in options["scopes"] for s in item.split(",") if s]
        partner, created = Partner.objects.get_or_create(name=options["partner"])
        try:
            new = services.create_api_key(
                partner=partner, name=options["name"], scopes=scopes, rate=options["rate"]
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(
            f"{'New partner' if created else 'Partner'} {partner.name!r}: key {new.key.prefix} "
            f"with scopes {', '.join(new.key.scopes)}, {new.key.rate}. "
            "The key is shown this once; only its hash is stored."
        )
        self.stdout.write(new.token)
