"""Conditional GETs: cheap validators (ETag, Last-Modified) computed before any serialization.

An ETag hashes the *version of the data in scope* with the request's path and query:
- live data (events, standings, changes): the highest visible change sequence (one
  backward index scan), or one event's `version` for an event detail. Every write goes
  through the services, which bump the version and append a change in one transaction.
- reference data (sports, competitions, teams, and the names inside events): the
  reference version, raised by database triggers in the edit's own transaction
  (`models.ReferenceVersion`).

Both are committed state, so a version never runs ahead of the data it stands for. The
views read the versions before the data and again after it: when they moved in between,
the body may be newer than the versions say, and it goes out without an ETag. So one
ETag always stands for one body, and a 304 is only answered while that body is current.

`If-Modified-Since` is deliberately not honoured (ETag is): HTTP dates have one-second
granularity and several changes can commit within one second. Last-Modified is sent.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.http import http_date

# Live data: stored but always revalidated (ETag makes that a cheap 304).
LIVE_CACHE_CONTROL = "private, no-cache"
# Reference data changes a few times a season: a minute of staleness is fine.
REFERENCE_CACHE_CONTROL = "private, max-age=60"


def make_etag(request: HttpRequest, *parts: object) -> str:
    raw = "|".join([request.path, request.META.get("QUERY_STRING", ""), *map(str, parts)])
    return '"' + hashlib.blake2b(raw.encode(), digest_size=12).hexdigest() + '"'


def matches(request: HttpRequest, etag: str, *, star: bool = True) -> bool:
    """If-None-Match names `etag` (or is `*`, when the query is known to be valid)."""
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if not header:
        return False
    if header.strip() == "*":
        return star
    # Weak comparison (RFC 9110 §13.1.2): ignore W/ prefixes.
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def not_modified(etag: str, last_modified: dt.datetime | None, cache_control: str) -> HttpResponse:
    response = HttpResponseNotModified()
    decorate(response, etag, last_modified, cache_control)
    return response


def decorate(
    response: HttpResponse, etag: str | None, last_modified: dt.datetime | None, cache_control: str
) -> HttpResponse:
    if etag is not None:
        response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = cache_control
    response["Vary"] = "Authorization"
    return response
