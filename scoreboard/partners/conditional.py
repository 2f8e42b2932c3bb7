"""Conditional GETs: cheap validators (ETag, Last-Modified) computed before any serialization.

An ETag hashes the *version of the data in scope* with the request's query string:
- live data (events, standings, changes): the highest visible change sequence (one
  backward index scan), or one event's `version` for an event detail. Every write goes
  through the services, which bump the version and append a change, so every write
  changes the ETag.
- reference data (sports, competitions, teams, and the names inside events): a counter
  bumped by save/delete signals of those models (`reference_version`).

`If-Modified-Since` is deliberately not honoured (ETag is): HTTP dates have one-second
granularity and a change's timestamp is taken before its commit, so a date validator
could answer 304 over a change committed in the same second. Last-Modified is still sent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.http import http_date

REFERENCE_VERSION_KEY = "partners:refver"
# Live data: stored but always revalidated (ETag makes that a cheap 304).
LIVE_CACHE_CONTROL = "private, no-cache"
# Reference data changes a few times a season: a minute of staleness is fine.
REFERENCE_CACHE_CONTROL = "private, max-age=60"


def reference_version() -> int:
    version = cache.get(REFERENCE_VERSION_KEY)
    if version is None:
        # A fresh starting point (ms clock) so a flushed cache never repeats an old ETag.
        cache.add(REFERENCE_VERSION_KEY, int(time.time() * 1000), None)
        version = cache.get(REFERENCE_VERSION_KEY)
    return int(version)


def bump_reference_version() -> None:
    try:
        cache.incr(REFERENCE_VERSION_KEY)
    except ValueError:
        reference_version()


def make_etag(request: HttpRequest, *parts: object) -> str:
    raw = "|".join([request.path, request.META.get("QUERY_STRING", ""), *map(str, parts)])
    return '"' + hashlib.blake2b(raw.encode(), digest_size=12).hexdigest() + '"'


def matches(request: HttpRequest, etag: str) -> bool:
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if not header:
        return False
    if header.strip() == "*":
        return True
    # Weak comparison (RFC 9110 §13.1.2): ignore W/ prefixes.
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def not_modified(etag: str, last_modified: dt.datetime | None, cache_control: str) -> HttpResponse:
    response = HttpResponseNotModified()
    decorate(response, etag, last_modified, cache_control)
    return response


def decorate(
    response: HttpResponse, etag: str, last_modified: dt.datetime | None, cache_control: str
) -> HttpResponse:
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = cache_control
    response["Vary"] = "Authorization"
    return response
