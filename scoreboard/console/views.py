"""Console views: one page, fragments for HTMX, one POST endpoint per action.

Reads go through `selectors`, writes through `actions` (which call `scoreboard.services`
as `Actor(source=CONSOLE, user=...)`). Fragments are template partials of the page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from scoreboard.errors import DomainError, StaleEdit
from scoreboard.inputs import ascii_int
from scoreboard.models import Event, Source
from scoreboard.services import Actor

from . import actions, forms, metrics, ops, selectors
from .roles import EDITOR, console_access


def _actor(request: HttpRequest) -> Actor:
    return Actor(source=Source.CONSOLE, user=request.user)


def _live_topics(events: list[Event]) -> str:
    """Topics of the viewers' stream that cover every event on the board."""
    days = sorted({e.kickoff.astimezone(dt.UTC).date().isoformat() for e in events})
    today = timezone.now().astimezone(dt.UTC).date().isoformat()
    return ",".join(["live", *(f"day.{d}" for d in sorted({*days, today}))])


def _panel_context(request: HttpRequest, event_id: int) -> dict[str, Any]:
    event = selectors.event_for_panel(event_id)
    return {
        "event": event,
        "audit": selectors.audit_trail(event_id),
        "can_edit": request.console_role == EDITOR,  # type: ignore[attr-defined]
        "period_label": actions.period_button_label(event),
    }


@require_GET
@console_access()
def console(request: HttpRequest) -> HttpResponse:
    # Cursor first, data second: a change landing in between is replayed, never missed.
    cursor = selectors.latest_sequence()
    events = selectors.board_events()
    context: dict[str, Any] = {
        "events": events,
        "cursor": cursor,
        "topics": _live_topics(events),
        "role": request.console_role,  # type: ignore[attr-defined]
        "can_edit": request.console_role == EDITOR,  # type: ignore[attr-defined]
        "selected": None,
    }
    raw = request.GET.get("event", "")
    selected = ascii_int(raw)
    if raw and selected is None:
        return HttpResponseBadRequest("event must be an event id")
    if selected is not None and Event.objects.filter(pk=selected).exists():
        context.update(_panel_context(request, selected))
        context["selected"] = context["event"]
    if request.htmx and request.GET.get("part") == "board":
        return render(request, "console/console.html#board", context)
    return render(request, "console/console.html", context)


@require_GET
@console_access()
def card(request: HttpRequest, event_id: int) -> HttpResponse:
    try:
        event = selectors.event_for_card(event_id)
    except Event.DoesNotExist:
        return HttpResponse(status=404)
    return render(request, "console/console.html#card", {"event": event})


@require_GET
@console_access()
def panel(request: HttpRequest, event_id: int) -> HttpResponse:
    get_object_or_404(Event, pk=event_id)
    context = _panel_context(request, event_id)
    if request.GET.get("part") == "live":
        # Only the regions that follow the event; the editor's half-typed inputs stay.
        return render(request, "console/partials/panel_live.html", {**context, "oob": True})
    return render(request, "console/console.html#panel", context)


@require_POST
@console_access(edit=True)
def act(request: HttpRequest, event_id: int, action: str) -> HttpResponse:
    get_object_or_404(Event, pk=event_id)
    form_class = forms.ACTION_FORMS.get(action)
    if form_class is None:
        return HttpResponse(status=404)
    form = form_class(request.POST)
    if not form.is_valid():
        return _message(request, forms.errors_text(form), status=400)
    data = dict(form.cleaned_data)
    expected = data.pop("expected_version")
    try:
        outcome = actions.ACTIONS[action](
            event_id=event_id, data=data, actor=_actor(request), expected_version=expected
        )
    except StaleEdit as stale:
        return _conflict(request, event_id, stale, action)
    except DomainError as error:
        return _message(request, str(error), status=400)
    token = actions.remember_undo(user_id=request.user.pk, outcome=outcome, label=outcome.message)
    return _done(request, outcome, token)


@require_POST
@console_access(edit=True)
def undo(request: HttpRequest, token: str) -> HttpResponse:
    spec = actions.pending_undo(request.user.pk, token)
    if spec is None:
        return _message(request, "Too late to undo: the 10 s window has passed.", status=400)
    actions.forget_undo(request.user.pk)
    try:
        outcome = actions.undo(spec=spec, actor=_actor(request))
    except StaleEdit as stale:
        return _conflict(request, spec["event"], stale, None)
    except DomainError as error:
        return _message(request, f"Cannot undo: {error}", status=400)
    return _done(request, outcome, None)


@require_GET
@console_access()
def changes(request: HttpRequest) -> JsonResponse:
    """Fallback for a console without its socket: which events changed after `after`."""
    after = ascii_int(request.GET.get("after", "0"))
    if after is None:
        return JsonResponse({"error": "bad_request", "detail": "after: not a sequence"}, status=400)
    cursor = selectors.latest_sequence()
    return JsonResponse({"seq": cursor, "events": selectors.events_changed(after, cursor)})


@require_GET
@console_access()
def ops_panel(request: HttpRequest) -> HttpResponse:
    return render(request, "console/console.html#ops", {"ops": ops.snapshot()})


@require_GET
@console_access()
def metrics_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(metrics.snapshot())


# -- responses ---------------------------------------------------------------------------


def _done(request: HttpRequest, outcome: actions.Outcome, token: str | None) -> HttpResponse:
    context = _panel_context(request, outcome.event.pk)
    context.update(
        {
            "oob": True,
            "message": outcome.message,
            "no_undo_reason": outcome.no_undo_reason,
            "undo_url": reverse("console:undo", args=[token]) if token else "",
            "undo_seconds": actions.UNDO_WINDOW_SECONDS,
            "card_event": context["event"],
        }
    )
    return render(request, "console/partials/done.html", context)


def _message(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    response = render(
        request, "console/partials/message.html", {"message": message, "level": "error"}
    )
    response.status_code = status
    return response


def _conflict(
    request: HttpRequest, event_id: int, stale: StaleEdit, action: str | None
) -> HttpResponse:
    """409: what changed since the editor's version, and a button to re-apply on top."""
    context = _panel_context(request, event_id)
    resubmit = [
        (key, value)
        for key in request.POST
        if key not in ("csrfmiddlewaretoken", "expected_version")
        for value in request.POST.getlist(key)
    ]
    context.update(
        {
            "oob": True,
            "stale": stale,
            "missed": selectors.changes_since(event_id, stale.expected),
            "action": action,
            "reapply_url": reverse("console:act", args=[event_id, action]) if action else "",
            "resubmit": resubmit,
            "card_event": context["event"],
        }
    )
    response = render(request, "console/partials/conflict.html", context)
    response.status_code = 409
    return response
