"""Item 1: a reference edit held open in its transaction never leaves a stale 304 behind.

A real uvicorn process (distributed mode: the Redis-backed 304 fast path is on) answers
while a thread renames a team inside `transaction.atomic()` and holds it open. Every
ETag a client got before or during the edit must be refused once the rename commits.
"""

from __future__ import annotations

import threading

import httpx
import pytest
from django.db import connection, transaction

from scoreboard.models import Team

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_it_never_answers_304_for_a_name_changed_by_a_commit(api_server, world, make_key) -> None:
    _, token = make_key(scopes=("read",))
    team, event = world.teams[0], world.events[0]  # Arsenal, at home in event 0
    urls = [
        "/api/v1/teams",
        f"/api/v1/events/{event.pk}",
        f"/api/v1/events?team={team.pk}",
        "/api/v1/events",
    ]
    client = httpx.Client(
        base_url=api_server.url, headers={"Authorization": f"Api-Key {token}"}, timeout=10
    )
    held: dict[str, list[str]] = {}  # url -> ETags served with the old name
    for url in urls:
        first = client.get(url)
        assert first.status_code == 200 and "Arsenal" in first.text
        # Revalidated once: the key is now in the fast path's cache too.
        assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
        held[url] = [first.headers["ETag"]]

    inside, release = threading.Event(), threading.Event()

    def rename() -> None:
        try:
            with transaction.atomic():
                renamed = Team.objects.get(pk=team.pk)
                renamed.name = "Arsenal FC"
                renamed.save()
                inside.set()
                release.wait(30)
        finally:
            connection.close()

    writer = threading.Thread(target=rename)
    writer.start()
    try:
        assert inside.wait(10)
        for url in urls:
            # The rename is not committed: the old name is still the data, under any ETag.
            for response in (
                client.get(url),
                client.get(url, headers={"If-None-Match": held[url][0]}),
            ):
                assert response.status_code in (200, 304)
                if response.status_code == 200:
                    assert "Arsenal FC" not in response.text
                    if "ETag" in response.headers:
                        held[url].append(response.headers["ETag"])
    finally:
        release.set()
        writer.join(10)

    for url in urls:
        for etag in held[url]:
            after = client.get(url, headers={"If-None-Match": etag})
            assert after.status_code == 200, f"{url}: a 304 for the old name under {etag}"
            assert "Arsenal FC" in after.text
        # Nor may the new name come under an ETag the old one was served with.
        fresh = client.get(url)
        assert "Arsenal FC" in fresh.text and fresh.headers.get("ETag") not in held[url]
