"""Public pages. One view serves the page and its fragments (template#partial):

- a plain GET renders the whole page (works without JavaScript);
- an htmx GET targeting `#live-root` (navigation) renders the page body with its
  socket container; one targeting `#live-region` (live.js resync) renders the region.

Every page reads `latest_sequence()` BEFORE its data and renders it as the resume cursor.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from scoreboard import selectors
from scoreboard.live.fragments import render_event_fragments
from scoreboard.live.topics import live_topic

TZ_COOKIE = "tz"
FOLLOW_COOKIE = "follow"  # live.js mirrors the fan's followed teams/matches here
# The days the by-day page serves (any real fixture list falls well inside).
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2999, 12, 31)


def _render_page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    target = request.htmx.target if request.htmx else None
    if target in ("live-root", "live-region"):
        template = f"{template}#{target}"
    response = render(request, template, context)
    response["Vary"] = "HX-Request, HX-Target, Cookie"
    return response


def viewer_tz(request: HttpRequest) -> ZoneInfo:
    """The viewer's time zone: `?tz=`, else the cookie live.js sets, else UTC."""
    for name in (request.GET.get("tz"), request.COOKIES.get(TZ_COOKIE)):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def _base_context(request: HttpRequest, nav: str) -> dict:
    tz = viewer_tz(request)
    timezone.activate(tz)  # kick-off times render in the viewer's zone
    return {
        "nav": nav,
        "tz_name": tz.key,
        "page_url": request.get_full_path(),
        "search_query": request.GET.get("q", "") if nav == "search" else "",
    }


def followed(request: HttpRequest) -> selectors.Followed:
    """What the fan follows: `?follow=` (shareable), else the cookie live.js keeps."""
    return selectors.Followed.parse(
        request.GET.get(FOLLOW_COOKIE) or request.COOKIES.get(FOLLOW_COOKIE)
    )


@require_GET
def live_now(request: HttpRequest) -> HttpResponse:
    sport = request.GET.get("sport") or ""
    context = _base_context(request, "live")
    seq = selectors.latest_sequence()
    groups = selectors.live_events(sport=sport or None)
    mine, groups = selectors.split_followed(groups, followed(request))
    selectors.mark_feed_delayed(
        [*mine, *(e for g in groups for c in g.competitions for e in c.events)]
    )
    context.update(
        seq=seq,
        groups=groups,
        mine=mine,
        sport=sport,
        sports=selectors.sports(),
        topics=live_topic(sport),
    )
    return _render_page(request, "scoreboard/live_now.html", context)


@require_GET
def day(request: HttpRequest, date: str | None = None) -> HttpResponse:
    context = _base_context(request, "day")
    tz = viewer_tz(request)
    today = timezone.localdate(timezone=tz)
    raw = date or request.GET.get("date")
    try:
        the_day = dt.date.fromisoformat(raw) if raw else today
    except ValueError:
        raise Http404("not a date (YYYY-MM-DD)") from None
    if not FIRST_DAY <= the_day <= LAST_DAY:
        # The page links the day before and after: date.min and date.max have none.
        raise Http404("no matches on that day")
    seq = selectors.latest_sequence()
    groups = selectors.day_events(day=the_day, tz=tz)
    mine, groups = selectors.split_followed(groups, followed(request))
    selectors.mark_feed_delayed(
        [*mine, *(e for g in groups for c in g.competitions for e in c.events)]
    )
    start, end = selectors.day_bounds(the_day, tz)
    # The live topics are per UTC date of kick-off: a local day spans one or two of them.
    utc_days = sorted({start.date(), (end - dt.timedelta(microseconds=1)).date()})
    context.update(
        seq=seq,
        groups=groups,
        mine=mine,
        day=the_day,
        today=today,
        day_start=start,
        day_end=end,
        days=[
            ("Yesterday", today - dt.timedelta(days=1)),
            ("Today", today),
            ("Tomorrow", today + dt.timedelta(days=1)),
        ],
        prev_day=the_day - dt.timedelta(days=1),
        next_day=the_day + dt.timedelta(days=1),
        topics=",".join(f"day.{d.isoformat()}" for d in utc_days),
    )
    return _render_page(request, "scoreboard/day.html", context)


@require_GET
def competition(request: HttpRequest, slug: str) -> HttpResponse:
    context = _base_context(request, "competition")
    seq = selectors.latest_sequence()
    page = selectors.competition_page(slug=slug)
    selectors.mark_feed_delayed(page.events)
    context.update(seq=seq, page=page, topics=f"competition.{page.competition.pk}")
    return _render_page(request, "scoreboard/competition.html", context)


@require_GET
def event(request: HttpRequest, event_id: int) -> HttpResponse:
    context = _base_context(request, "event")
    seq = selectors.latest_sequence()
    the_event = selectors.event_detail(event_id=event_id)
    selectors.mark_feed_delayed([the_event])
    context.update(seq=seq, event=the_event, topics=f"event.{the_event.pk}")
    return _render_page(request, "scoreboard/event.html", context)


@require_GET
def team(request: HttpRequest, slug: str) -> HttpResponse:
    context = _base_context(request, "team")
    seq = selectors.latest_sequence()
    page = selectors.team_page(slug=slug)
    selectors.mark_feed_delayed(page.events)
    context.update(seq=seq, page=page, topics=f"team.{page.team.pk}")
    return _render_page(request, "scoreboard/team.html", context)


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Teams and competitions by name (accents and case ignored). A plain GET form
    without JavaScript; with htmx, the header box asks for `#search-results` as you type."""
    context = _base_context(request, "search")
    query = request.GET.get("q", "").strip()[:100]
    results = selectors.search(query)
    context.update(query=query, results=results, min_length=selectors.SEARCH_MIN_LENGTH)
    template = "scoreboard/search.html"
    if request.htmx and request.htmx.target == "search-suggestions":
        template += "#suggestions"
    elif request.htmx and request.htmx.target == "live-root":
        template += "#live-root"
    response = render(request, template, context)
    response["Vary"] = "HX-Request, HX-Target"
    return response


@require_GET
def event_fragment(request: HttpRequest, event_id: int) -> HttpResponse:
    """The event's current fragments, out-of-band, as pushed over the socket: live.js
    fetches this to heal a version gap (a lost message)."""
    part = request.GET.get("part", "row")
    if part not in ("row", "detail"):
        raise Http404("part must be row or detail")
    fragments = render_event_fragments(selectors.event_detail(event_id=event_id))
    response = HttpResponse(getattr(fragments, part), content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})
