"""The base of every read-only resource: published records (plus withdrawn ones when syncing),
the shared FilterSet, two pagination modes, conditional requests and CSV/XLSX exports."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Model, QuerySet
from django.db.models.expressions import RawSQL
from django.http import HttpResponseBase
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.views import SpectacularAPIView
from rest_framework import exceptions, viewsets
from rest_framework.generics import get_object_or_404
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalogue.api import conditional as cond
from catalogue.api.exceptions import PageNotFound
from catalogue.api.exports import EXPORT_FORMATS, CSVRenderer, ExportRenderer, XLSXRenderer
from catalogue.api.pagination import CURSOR, CataloguePagination
from catalogue.api.sync import has_timestamps, modified_since
from catalogue.filters import SearchFilterSet
from catalogue.listing import Selection, count_key, kept_count, select
from catalogue.models import Publishable, Status

# Request headers that make a list's ETag needed before its page is read (a 304 or 412 skips it).
PRECONDITIONS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE")


def is_publishable(model: type[Model]) -> bool:
    return issubclass(model, Publishable)


def refuse_empty_params(request: Request) -> None:
    """A parameter given with no value is refused, not read as absent: the schema says every value
    has at least one character, and `date_before=` is more likely a bug than a wish. (The HTML
    pages share the FilterSets and keep reading empty form fields as absent.)"""
    empty = sorted({k for k, values in request.query_params.lists() if "" in values})
    if empty:
        raise exceptions.ValidationError({k: [_("Give a value or leave the parameter out.")] for k in empty})


class CatalogueViewSet(cond.ConditionalMixin, viewsets.ReadOnlyModelViewSet):
    """List and detail of one resource. Subclasses set `queryset` (from the model's listing
    verbs), `serializer_class`, `filterset_class` and, where the FilterSet has no `ordering`,
    `ordering_fields` ({public name: model path}); `detail_serializer_class` when richer.
    Conditional GETs and the response cache: conditional.ConditionalMixin; which records a list
    shows and how many: the list selector (catalogue/listing.py), shared with the pages."""

    pagination_class = CataloguePagination
    detail_serializer_class: type | None = None
    ordering_fields: dict[str, str] = {}
    selection: Selection | None = None

    # --- what is read ---------------------------------------------------------------------------

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        if not is_publishable(queryset.model):
            return queryset
        request = getattr(self, "request", None)
        if getattr(self, "action", None) == "list" and request is not None and modified_since(request):
            # A mirror must learn what was withdrawn; drafts are never shown.
            return queryset.filter(status__in=[Status.PUBLISHED, Status.WITHDRAWN])
        return queryset.filter(status=Status.PUBLISHED)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        """DRF's filter backends in turn, except that a shared FilterSet selects through the list
        selector, as the pages do: the search once, relevance an ordering, the count kept."""
        for backend_class in self.filter_backends:
            backend = backend_class()
            if isinstance(backend, DjangoFilterBackend) and self._selects():
                fs = backend.get_filterset(self.request, queryset, self)
                if not fs.is_valid():
                    raise translate_validation(fs.errors)
                self.selection = select(fs)
                queryset = self.selection.queryset
            else:
                queryset = backend.filter_queryset(self.request, queryset, self)
        return queryset

    def _selects(self) -> bool:
        return getattr(self, "action", None) == "list" and issubclass(
            getattr(self, "filterset_class", None) or object, SearchFilterSet
        )

    def get_detail_queryset(self) -> QuerySet:
        return self.get_queryset()

    cache_read: dict[str, Any] | None = None  # set by the throttle (cache_reads)

    def cache_reads(self, request: Request) -> list[str]:
        """The cache keys this request will read, for the throttle to read in its own round trip
        to Redis (catalogue.resilience.OneTripThrottle): a numbered list's kept count."""
        params = request.query_params
        if getattr(self, "action", None) != "list" or not has_timestamps(self.queryset.model):
            return []
        if params.get("pagination") == CURSOR or params.get("cursor") or params.get("format"):
            return []
        return [count_key(self.count_scope(request), cond.filter_state(request))]

    def count_scope(self, request: Request) -> str:
        """What a kept count is counted over besides its filters: the list's path, and the API
        key when there is one, since a key may see other records (a partner's own submissions,
        withdrawn records in a sync) than the anonymous list with the same filters."""
        key = getattr(request.auth, "pk", None)
        return request.path if key is None else f"{request.path}|key:{key}"

    def get_object(self) -> Model:
        # Details ignore list filters (DRF would apply them): a record's URL always finds it.
        # DRF's get_object_or_404 also turns a malformed id ("abc") into a 404.
        lookup = self.lookup_url_kwarg or self.lookup_field
        obj = get_object_or_404(self.get_detail_queryset(), **{self.lookup_field: self.kwargs[lookup]})
        self.check_object_permissions(self.request, obj)
        return obj

    def get_serializer_class(self) -> type:
        if self.action == "retrieve" and self.detail_serializer_class:
            return self.detail_serializer_class
        return super().get_serializer_class()

    def check_request(self, request: Request) -> None:
        refuse_empty_params(request)
        if getattr(self, "action", None) == "list" and isinstance(self.paginator, CataloguePagination):
            # Pagination parameters are checked before an export or a 304 can skip them.
            self.paginator.check_params(request)

    def cacheable(self, request: Request) -> bool:
        """Anonymous GETs of timestamped resources (see conditional.py); a partner's key may see
        more (sync lists withdrawn records), so keyed requests never are; nor exports."""
        if request.method != "GET" or request.auth is not None or request.user.is_authenticated:
            return False
        if self.action not in ("list", "retrieve") or not has_timestamps(self.queryset.model):
            return False
        return getattr(request.accepted_renderer, "format", None) not in EXPORT_FORMATS

    def perform_content_negotiation(self, request: Request, force: bool = False):
        # DRF reads an empty `format=` as absent; the schema's enum has no empty value, and an
        # unknown format is a 404, so an empty one is too.
        if not force and request.query_params.get("format", None) == "":
            raise exceptions.NotFound(_("Unknown format “”; use json, csv or xlsx."))
        return super().perform_content_negotiation(request, force)

    # --- how it is written (resources on hot paths override these; see rows.py) -------------------

    def rows_queryset(self, queryset: QuerySet) -> QuerySet:
        """The list's queryset as exports read it (they keep the serializer's joins)."""
        return queryset

    def page_queryset(self, queryset: QuerySet) -> QuerySet:
        """The queryset a page or a record is read from."""
        return self.rows_queryset(queryset)

    def write_page(self, page: list[Model]) -> Any:
        return self.get_serializer(page, many=True).data

    def write_object(self, instance: Model) -> Any:
        return self.get_serializer(instance).data

    def catalogue_version(self) -> str:
        """The catalogue's version, for maps of vocabularies held in process (rows.VersionedMap)."""
        return self.resource_version().catalogue

    def get_renderers(self) -> list[BaseRenderer]:
        renderers = super().get_renderers()
        # No action: a method the route does not map (POST on a list); offering the export
        # formats lets negotiation pass so that `?format=csv` gets the 405 it deserves, not a 404.
        if getattr(self, "action", None) in ("list", None):
            renderers += [CSVRenderer(), XLSXRenderer()]
        return renderers

    # --- actions --------------------------------------------------------------------------------

    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        hit = self.cached(request)
        if hit is not None:
            return hit
        queryset = self.filter_queryset(self.get_queryset())
        if isinstance(request.accepted_renderer, ExportRenderer):  # ?format=csv|xlsx: the whole list
            return request.accepted_renderer.export(
                queryset=self.rows_queryset(queryset),
                serializer_class=self.get_serializer_class(),
                context=self.get_serializer_context(),
                name=self.basename,
                write=self.write_page,
            )
        return self.page_response(request, self.page_queryset(queryset))

    def page_response(self, request: Request, queryset: QuerySet) -> HttpResponseBase:
        """One page (numbered, with its ETag and kept count, or a cursor page) of `queryset`."""
        paginator: CataloguePagination = self.paginator
        if paginator.get_mode(request) == CURSOR or not has_timestamps(queryset.model):
            page = paginator.paginate_queryset(queryset, request, view=self)
            response = paginator.get_paginated_response(self.write_page(page))
            if page and has_timestamps(queryset.model):
                cond.set_validators(response, last_modified=max(r.modified for r in page))
            return response
        folded = self._page_with_version(request, queryset)
        if folded is not None:
            return folded
        state = cond.list_state(request, request.accepted_media_type, self.resource_version())
        early = cond.not_modified(request, etag=state.etag, last_modified=state.last_modified)
        if early is not None:
            return cond.precondition(request, early)
        selection = self.selection or Selection(queryset, queryset, "", relevance=False)
        count = selection.count(
            scope=self.count_scope(request),
            state=cond.filter_state(request),
            version=state.version.catalogue,
            queryset=queryset,
            read=self.cache_read,
        )
        page = paginator.paginate_queryset(selection.rows(queryset), request, view=self, count=count)
        response = paginator.get_paginated_response(self.write_page(page))
        cond.set_validators(response, etag=state.etag, last_modified=state.last_modified)
        return response

    def _page_with_version(self, request: Request, queryset: QuerySet) -> HttpResponseBase | None:
        """A numbered page whose statement also reads the catalogue's stamps, on PostgreSQL, when
        the count is kept and the request has no precondition to check before the page is read:
        one statement where the version, then the page, took two. None when that does not apply,
        or when the page shows the kept count was of another version (or the page is empty, so
        carries no stamps): then page_response reads the version and counts as usual."""
        if (
            self._version is not None  # read already (the response cache's key)
            or connection.vendor != "postgresql"
            or not cond.versioned(queryset.model)
            or any(h in request.META for h in PRECONDITIONS)
        ):
            return None
        scope, state = self.count_scope(request), cond.filter_state(request)
        kept = kept_count(scope, state, self.cache_read)
        if kept is None:
            return None
        selection = self.selection or Selection(queryset, queryset, "", relevance=False)
        annotated = queryset.annotate(**{cond.STAMPS: RawSQL(cond.stamps_sql(), ())})
        paginator: CataloguePagination = self.paginator
        try:
            page = paginator.paginate_queryset(selection.rows(annotated), request, view=self, count=kept[1])
        except PageNotFound:
            return None  # past the end by the kept count, which may be another version's
        version = cond.version_of_row(page[0], queryset.model) if page else None
        if version is None or version.catalogue != kept[0]:
            return None
        self._version = version
        response = paginator.get_paginated_response(self.write_page(page))
        etag = cond.list_state(request, request.accepted_media_type, version).etag
        cond.set_validators(response, etag=etag, last_modified=version.last_modified)
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        hit = self.cached(request)
        if hit is not None:
            return hit
        instance = self.get_object()
        response = Response(self.write_object(instance))
        cond.set_validators(response, last_modified=getattr(instance, "modified", None))
        return response


class VocabularyViewSet(CatalogueViewSet):
    """One of our vocabularies (themes, topics, categories): a row by its slug, display order."""

    lookup_field = "slug"
    ordering_fields = {"position": "position", "slug": "slug"}


class ApiNotFoundView(APIView):
    """Any other path under /api/: a problem-details 404 rather than the site's HTML page."""

    schema = None
    authentication_classes: list = []

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        raise exceptions.NotFound(_("No API resource at %(path)s; see /api/docs/.") % {"path": request.path})


class CachedSchemaView(SpectacularAPIView):
    """The OpenAPI schema, generated once per process and language (0.6–1 s each time otherwise):
    it depends only on the code, which a deploy restarts."""

    _schemas: dict[tuple[str | None, str], Any] = {}

    def _get_schema_response(self, request: Request) -> Response:
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (version, get_language())
        if key not in self._schemas:
            self._schemas[key] = super()._get_schema_response(request).data
        filename = self._get_filename(request, version)
        return Response(
            data=self._schemas[key], headers={"Content-Disposition": f'inline; filename="{filename}"'}
        )
