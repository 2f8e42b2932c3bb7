"""Team slugs (team pages), accent-free search names, and when an incident was cancelled."""

from __future__ import annotations

from django.db import migrations, models


def fill(apps: object, schema_editor: object) -> None:
    from scoreboard.models import search_key, unique_team_slug

    Competition = apps.get_model("scoreboard", "Competition")  # type: ignore[attr-defined]
    Team = apps.get_model("scoreboard", "Team")  # type: ignore[attr-defined]
    for competition in Competition.objects.all():
        competition.search_name = search_key(competition.name)
        competition.save(update_fields=["search_name"])
    for team in Team.objects.select_related("sport").order_by("pk"):
        team.search_name = search_key(team.name)
        team.slug = unique_team_slug(team.name, team.sport.slug, exclude=team.pk)
        team.save(update_fields=["search_name", "slug"])


class Migration(migrations.Migration):
    dependencies = [
        ("scoreboard", "0002_drop_redundant_fk_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="competition",
            name="search_name",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=120),
        ),
        migrations.AddField(
            model_name="incident",
            name="cancelled_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="team",
            name="search_name",
            field=models.CharField(blank=True, db_index=True, editable=False, max_length=120),
        ),
        migrations.AddField(
            model_name="team",
            name="slug",
            field=models.SlugField(blank=True, max_length=140, db_index=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="team",
            name="slug",
            field=models.SlugField(blank=True, max_length=140, unique=True),
        ),
    ]
