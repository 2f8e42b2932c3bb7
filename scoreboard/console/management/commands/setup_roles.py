from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from scoreboard.console.roles import setup_roles


class Command(BaseCommand):
    help = "Create the console groups (editor, viewer) and their permissions; idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        for name, created in setup_roles().items():
            self.stdout.write(f"group {name}: {'created' if created else 'exists'}")
