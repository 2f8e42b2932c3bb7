"""Thin API views: validate input, call a selector or service, serialize output.

Every GET on data answers conditional requests before any serialization (see
`conditional.py`): the 304 path is authentication, throttle and one validator read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status as http
from rest_framework.exceptions import APIException, NotFound, Throttled
from rest_framework.generics import ListAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from liveapp.clientip import ip_of_request
from liveapp.ip_limits import LONGPOLL_WAITS
from scoreboard.models import Competition

from . import selectors, services
from . import serializers as s
from .auth import ApiKeyAuthentication, ApiKeyRateThrottle, HasScope
from .conditional import (
    LIVE_CACHE_CONTROL,
    REFERENCE_CACHE_CONTROL,
    decorate,
    make_etag,
    matches,
    not_modified,
)
from .models import Scope, Webhook
from .selectors import Versions

_E = OpenApiResponse(s.ErrorOutput)
# Every error an endpoint may answer (406: an Accept header that excludes JSON).
ERRORS: dict[int, Any] = {400: _E, 401: _E, 403: _E, 404: _E, 406: _E, 429: _E}
# Current validator parts and Last-Modified of a response (conditional()).
Validator = tuple[tuple[object, ...], Any]
NOT_MODIFIED = OpenApiResponse(description="Not modified: your If-None-Match ETag is current.")
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="ETag of the copy you hold; 304 if it is still current.",
)


class PartnerAPIView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [ApiKeyRateThrottle]
    renderer_classes = [JSONRenderer]
    required_scope: str = Scope.READ

    def conditional(
        self,
        request: Request,
        current: Callable[[], Validator],
        cache_control: str,
        build: Callable[[], HttpResponse],
    ) -> HttpResponse:
        """304 if the client's ETag is current, else build the response and tag it.

        The versions are read before the data and again after it: if a write committed
        in between, the body may be newer than the first read says, so it goes out
        untagged. One ETag then always stands for one body.
        """
        parts, last_modified = current()
        etag: str | None = make_etag(request, *parts)
        if matches(request, etag):
            return not_modified(etag, last_modified, cache_control)
        response = build()
        if current()[0] != parts:
            etag = None
        return decorate(response, etag, last_modified, cache_control)


class PartnerListView(PartnerAPIView, ListAPIView):
    def _page(self, queryset: Any) -> Response:
        """One page of `queryset`, serialized with the view's `serializer_class`."""
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class EventCursor(CursorPagination):
    # Stable order: kick-off then id (unique) so pages never repeat or skip an event.
    ordering = ("kickoff", "id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class TeamCursor(CursorPagination):
    ordering = ("name", "id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


def _query(serializer_class: type, request: Request) -> dict[str, Any]:
    data = serializer_class(data=request.query_params)
    data.is_valid(raise_exception=True)
    params = dict(data.validated_data)
    params.pop("page_size", None)  # validated here, read by the paginator
    return params


def _latest(values: list[Any]) -> Any:
    return max((v for v in values if v is not None), default=None)


def _reference(v: Versions, *extra: object) -> Validator:
    return ("ref", v.reference, *extra), v.reference_at


class CursorAhead(APIException):
    status_code = http.HTTP_409_CONFLICT
    default_code = "cursor_ahead"


class WebhookLimit(APIException):
    """A valid registration the partner's webhook count refuses: a conflict with its
    existing webhooks (delete one first), not a bad request."""

    status_code = http.HTTP_409_CONFLICT
    default_code = "webhook_limit"


# ---- reference data -------------------------------------------------------------------------
@extend_schema(tags=["reference"])
class SportListApi(PartnerListView):
    serializer_class = s.SportOutput
    pagination_class = None

    @extend_schema(
        parameters=[IF_NONE_MATCH],
        responses={200: s.SportOutput(many=True), 304: NOT_MODIFIED, **ERRORS},
    )
    def get(self, request: Request) -> HttpResponse:
        """All sports."""
        return self.conditional(
            request,
            lambda: _reference(selectors.versions()),
            REFERENCE_CACHE_CONTROL,
            lambda: Response(s.SportOutput(selectors.sports(), many=True).data),
        )


@extend_schema(tags=["reference"])
class CompetitionListApi(PartnerListView):
    serializer_class = s.CompetitionOutput
    pagination_class = None

    @extend_schema(
        parameters=[s.SportFilterInput, IF_NONE_MATCH],
        responses={200: s.CompetitionOutput(many=True), 304: NOT_MODIFIED, **ERRORS},
    )
    def get(self, request: Request) -> HttpResponse:
        """Competitions, optionally of one sport."""
        params = _query(s.SportFilterInput, request)
        return self.conditional(
            request,
            lambda: _reference(selectors.versions()),
            REFERENCE_CACHE_CONTROL,
            lambda: Response(s.CompetitionOutput(selectors.competitions(**params), many=True).data),
        )


@extend_schema(tags=["reference"])
class TeamListApi(PartnerListView):
    serializer_class = s.TeamOutput
    pagination_class = TeamCursor

    @extend_schema(
        parameters=[s.TeamFilterInput, IF_NONE_MATCH],
        responses={200: s.TeamOutput(many=True), 304: NOT_MODIFIED, **ERRORS},
    )
    def get(self, request: Request) -> HttpResponse:
        """Teams (players in individual sports), by name; cursor-paginated."""
        params = _query(s.TeamFilterInput, request)
        by_competition = bool(params.get("competition"))

        def current() -> Validator:
            # Membership of a competition follows its events: the change log counts too.
            v = selectors.versions()
            return _reference(v, v.seq if by_competition else 0)

        return self.conditional(
            request, current, REFERENCE_CACHE_CONTROL, lambda: self._page(selectors.teams(**params))
        )


# ---- events ---------------------------------------------------------------------------------
@extend_schema(tags=["events"])
class EventListApi(PartnerListView):
    serializer_class = s.EventOutput
    pagination_class = EventCursor

    @extend_schema(
        parameters=[s.EventFilterInput, IF_NONE_MATCH],
        responses={200: s.EventOutput(many=True), 304: NOT_MODIFIED, **ERRORS},
    )
    def get(self, request: Request) -> HttpResponse:
        """Events by kick-off (then id), filtered; cursor-paginated.

        The ETag changes with every change anywhere (the latest sequence) and with
        reference data (names): revalidate with If-None-Match as often as you like.
        """
        params = _query(s.EventFilterInput, request)

        def current() -> Validator:
            v = selectors.versions()
            return ("ev", v.seq, v.reference), _latest([v.seq_at, v.reference_at])

        return self.conditional(
            request, current, LIVE_CACHE_CONTROL, lambda: self._page(selectors.events(**params))
        )


@extend_schema(tags=["events"])
class EventDetailApi(PartnerAPIView):
    @extend_schema(
        parameters=[IF_NONE_MATCH],
        responses={200: s.EventDetailOutput, 304: NOT_MODIFIED, **ERRORS},
    )
    def get(self, request: Request, event_id: int) -> HttpResponse:
        """One event with its per-period scores and its timeline (incidents)."""

        def current() -> Validator:
            validator = selectors.event_validator(event_id)
            if validator is None:
                raise NotFound("no such event")
            version, updated_at, reference = validator
            return ("event", version, reference), updated_at

        def build() -> Response:
            event = selectors.event_detail(event_id)
            if event is None:
                raise NotFound("no such event")
            return Response(s.EventDetailOutput(event).data)

        return self.conditional(request, current, LIVE_CACHE_CONTROL, build)


@extend_schema(tags=["events"])
class StandingsApi(PartnerAPIView):
    @extend_schema(
        parameters=[IF_NONE_MATCH],
        responses={200: s.StandingsOutput, 304: NOT_MODIFIED, **ERRORS},
    )
    def get(self, request: Request, competition_id: int) -> HttpResponse:
        """The competition's table, computed from its finished events."""
        competition = Competition.objects.select_related("sport").filter(pk=competition_id).first()
        if competition is None:
            raise NotFound("no such competition")

        def current() -> Validator:
            v = selectors.versions()
            return ("table", v.seq, v.reference), _latest([v.seq_at, v.reference_at])

        def build() -> Response:
            kind, rows = selectors.standings(competition)
            return Response(s.StandingsOutput(s.standings_data(competition, kind, rows)).data)

        return self.conditional(request, current, LIVE_CACHE_CONTROL, build)


# ---- changes feed ---------------------------------------------------------------------------
@extend_schema(tags=["changes"])
class ChangesApi(PartnerAPIView):
    @extend_schema(
        parameters=[s.ChangesInput, IF_NONE_MATCH],
        responses={200: s.ChangesOutput, 304: NOT_MODIFIED, 409: _E, **ERRORS},
    )
    def get(self, request: Request) -> HttpResponse:
        """Every change after `after`, in global sequence order; poll `next` in a loop.

        Sequences strictly increase and no committed change is ever skipped: a change
        becomes visible only after every lower sequence has committed or rolled back (a
        rolled-back write leaves a gap). With `wait=N` an empty answer is held up to N
        seconds until a change arrives (long-poll). An `after` above the latest sequence
        is a 409 `cursor_ahead`: that cursor did not come from this feed.
        """
        params = _query(s.ChangesInput, request)
        after, limit, wait = params["after"], params["limit"], params["wait"]
        seq, changed_at = selectors.latest_change()
        if after > seq:
            raise CursorAhead(
                f"after={after} is ahead of the change log (latest sequence {seq}): "
                "restart from a sequence this feed gave you, or from 0"
            )
        etag: str | None = make_etag(request, "chg", seq)
        if seq > after or not wait:
            if matches(request, etag):
                return not_modified(etag, changed_at, LIVE_CACHE_CONTROL)
            changes = selectors.changes_after(after, limit)
        else:
            # Each wait holds a thread of this process: a few per client address.
            with LONGPOLL_WAITS.slot(ip_of_request(request._request)) as granted:
                if not granted:
                    raise Throttled(1, "too many long-polls waiting from your address")
                changes = selectors.wait_for_changes(
                    after, limit, wait=wait, interval=settings.API_LONGPOLL_INTERVAL_SECONDS
                )
            if changes:
                seq, changed_at = changes[-1].id, changes[-1].created_at
                etag = make_etag(request, "chg", seq)
            elif matches(request, etag):
                return not_modified(etag, changed_at, LIVE_CACHE_CONTROL)
        if len(changes) < limit and selectors.latest_change()[0] != seq:
            etag = None  # a change committed while reading: one ETag, one body
        last = changes[-1].id if changes else after
        next_url = replace_query_param(request.build_absolute_uri(), "after", last)
        body = {"changes": changes, "last_seq": last, "next": next_url}
        return decorate(Response(s.ChangesOutput(body).data), etag, changed_at, LIVE_CACHE_CONTROL)


# ---- webhooks -------------------------------------------------------------------------------
class WebhookScopedView(PartnerAPIView):
    required_scope = Scope.WEBHOOKS
    # JSON bodies only (and only JSON advertised): a form has no way to say `topics`.
    parser_classes = [JSONParser]

    def own_webhook(self, request: Request, webhook_id: int) -> Webhook:
        # Scoped by the key's partner: another partner's id is simply "not found".
        webhook = Webhook.objects.filter(pk=webhook_id, partner_id=request.auth.partner_id).first()
        if webhook is None:
            raise NotFound("no such webhook")
        return webhook

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response


@extend_schema(tags=["webhooks"])
class WebhookListApi(WebhookScopedView):
    @extend_schema(responses={200: s.WebhookOutput(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        """Your webhooks."""
        hooks = Webhook.objects.filter(partner_id=request.auth.partner_id).order_by("id")
        return Response(s.WebhookOutput(hooks, many=True).data)

    @extend_schema(
        request=s.WebhookInput, responses={201: s.WebhookOutput, 409: _E, 415: _E, **ERRORS}
    )
    def post(self, request: Request) -> Response:
        """Register a webhook: it receives every change after the current sequence. A
        partner at its webhook limit gets 409 `webhook_limit`."""
        data = s.WebhookInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            webhook = services.create_webhook(
                partner=request.auth.partner,
                url=data.validated_data["url"],
                secret=data.validated_data["secret"],
                topics=dict(data.validated_data.get("topics") or {}),
                start_after=selectors.latest_change()[0],
            )
        except services.WebhookLimitReached as exc:
            raise WebhookLimit(str(exc)) from None
        return Response(s.WebhookOutput(webhook).data, status=http.HTTP_201_CREATED)


@extend_schema(tags=["webhooks"])
class WebhookDetailApi(WebhookScopedView):
    @extend_schema(responses={200: s.WebhookOutput, **ERRORS})
    def get(self, request: Request, webhook_id: int) -> Response:
        """One of your webhooks, with its delivery cursor and failure count."""
        return Response(s.WebhookOutput(self.own_webhook(request, webhook_id)).data)

    @extend_schema(responses={204: None, **ERRORS})
    def delete(self, request: Request, webhook_id: int) -> Response:
        """Delete one of your webhooks; nothing more is delivered to it."""
        services.delete_webhook(webhook=self.own_webhook(request, webhook_id))
        return Response(status=http.HTTP_204_NO_CONTENT)


@extend_schema(tags=["webhooks"])
class WebhookEnableApi(WebhookScopedView):
    @extend_schema(request=None, responses={200: s.WebhookOutput, **ERRORS})
    def post(self, request: Request, webhook_id: int) -> Response:
        """Re-enable a webhook disabled after repeated failures; delivery resumes at its cursor."""
        try:
            webhook = services.enable_webhook(webhook=self.own_webhook(request, webhook_id))
        except Webhook.DoesNotExist:  # deleted meanwhile by a concurrent DELETE
            raise NotFound("no such webhook") from None
        return Response(s.WebhookOutput(webhook).data)


@extend_schema(tags=["webhooks"])
class WebhookDeliveriesApi(WebhookScopedView):
    @extend_schema(responses={200: s.DeliveryOutput(many=True), **ERRORS})
    def get(self, request: Request, webhook_id: int) -> Response:
        """The latest 100 delivery attempts of one of your webhooks, newest first."""
        webhook = self.own_webhook(request, webhook_id)
        return Response(s.DeliveryOutput(webhook.deliveries.all()[:100], many=True).data)
