from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command


@pytest.mark.django_db
def test_it_creates_the_console_groups_once(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("setup_roles")
    call_command("setup_roles")
    assert set(Group.objects.values_list("name", flat=True)) >= {"editor", "viewer"}
    editor = Group.objects.get(name="editor")
    assert editor.permissions.filter(codename="change_event").exists()
    assert not Group.objects.get(name="viewer").permissions.filter(codename="change_event").exists()
    out = capsys.readouterr().out
    assert "group editor: created" in out
    assert "group editor: exists" in out
