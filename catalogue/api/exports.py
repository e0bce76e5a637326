"""Exports of every list as DRF renderers: `?format=csv` and `?format=xlsx` on the API (and the web
lists' CSV, XLSX and JSON buttons): the same filters and ordering, every matching record (no
pagination), one row per record with nested objects flattened into columns and lists joined
(`sources`: "document · part · locator · excerpt | …").

Columns are headed by their field paths on the API (`institution.name`: a program's stable names)
and by their labels in the request's language on the web lists (`机构 · 名称` or `Institution ·
Name`, never both). A view hands the negotiated renderer the queryset (`ExportRenderer.export`);
the renderer writes the file and answers with a streamed response, because DRF's `render()`
returns the whole body at once.

Memory stays flat however large the export: records are read with `iterator(chunk_size=…)`, which
runs the queryset's prefetches once per chunk, so queries grow with the number of chunks, never
per row. Lists that have a row writer (catalogue/api/rows.py) write each chunk with it, the
serializer's JSON at a fraction of its cost: a million cases is minutes of serializer work. CSV
is streamed as it is written (UTF-8 with a BOM so spreadsheet software reads Chinese); XLSX is
written by openpyxl's write-only workbook to a temporary file, which is then streamed.
"""

from __future__ import annotations

import csv
import itertools
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy
from rest_framework import renderers, serializers

CSV, XLSX, JSON = "csv", "xlsx", "json"
EXPORT_FORMATS = (CSV, XLSX)
PAGE_EXPORT_FORMATS = (CSV, XLSX, JSON)  # the web lists' buttons: JSON as one array of every record
CSV_MEDIA_TYPE = "text/csv"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK_SIZE = 2000
MAX_CELL = 32767  # Excel's limit on characters in a cell

NUMBER_FIELDS = (serializers.DecimalField, serializers.IntegerField, serializers.FloatField)
DATE_FIELDS = (serializers.DateField,)
DATETIME_FIELDS = (serializers.DateTimeField,)
LIST_FIELDS = (serializers.ManyRelatedField, serializers.ListField, serializers.JSONField)


@dataclass(frozen=True)
class Column:
    header: str
    path: tuple[str, ...]
    kind: str  # "value", "number", "date", "datetime", "list" (of scalars) or "objects" (list of dicts)
    labels: tuple[str, ...] = ()  # the field labels along the path, for readable headers


# Column words no model field names (serializer-only fields), in the request's language.
COLUMN_WORDS = {
    "id": gettext_lazy("ID"),
    "key": gettext_lazy("Key"),
    "code": gettext_lazy("Code"),
    "slug": gettext_lazy("Slug"),
    "status": gettext_lazy("Status"),
    "level": gettext_lazy("Level"),
    "sources": gettext_lazy("Sources"),
    "terms": gettext_lazy("Terms"),
    "themes": gettext_lazy("Themes"),
    "topics": gettext_lazy("Policy topics"),
    "aliases": gettext_lazy("Aliases"),
    "key_measures": gettext_lazy("Key measures"),
    "heading": gettext_lazy("Title"),
}


def column_label(serializer: serializers.Serializer, name: str, field: serializers.Field) -> Any:
    """A column's words: ours for serializer-only fields (COLUMN_WORDS), else a label the
    serializer states, else the verbose name of the model field it reads; lazy, so rendered in
    the language active when the file is written."""
    if name in COLUMN_WORDS:
        return COLUMN_WORDS[name]
    if field.label and field.label != name.replace("_", " ").capitalize():  # not DRF's default
        return field.label
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    source = name if field.source in (None, "*") else field.source.split(".")[0]
    try:
        verbose = getattr(model._meta.get_field(source), "verbose_name", None) if model else None
    except FieldDoesNotExist:
        verbose = None
    return verbose or field.label or name


def columns(
    serializer: serializers.Serializer, prefix: tuple[str, ...] = (), labels: tuple = ()
) -> list[Column]:
    """The flat columns of a serializer's output, nested serializers expanded."""
    out = []
    for name, field in serializer.fields.items():
        path = (*prefix, name)
        named = (*labels, column_label(serializer, name, field))
        if isinstance(field, serializers.ListSerializer):
            out.append(Column(".".join(path), path, "objects", named))
        elif isinstance(field, serializers.BaseSerializer):
            out += columns(field, path, named)
        elif isinstance(field, LIST_FIELDS):
            out.append(Column(".".join(path), path, "list", named))
        elif isinstance(field, NUMBER_FIELDS):
            out.append(Column(".".join(path), path, "number", named))
        elif isinstance(field, DATETIME_FIELDS):
            out.append(Column(".".join(path), path, "datetime", named))
        elif isinstance(field, DATE_FIELDS):
            out.append(Column(".".join(path), path, "date", named))
        else:
            out.append(Column(".".join(path), path, "value", named))
    return out


def readable(cols: list[Column]) -> list[Column]:
    """Columns headed by their labels in the active language (`机构 · 名称`, `Institution · Name`)."""
    return [
        Column(" · ".join(capfirst(str(label)) for label in col.labels), col.path, col.kind, col.labels)
        for col in cols
    ]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return " · ".join(_text(v) for v in value.values() if v not in (None, "", []))
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value)
    return str(value)


def cell_values(row: dict[str, Any], cols: list[Column]) -> list[Any]:
    """One record's cells: text, except numbers (as Decimal/int) for typed spreadsheets."""
    out = []
    for col in cols:
        value: Any = row
        for key in col.path:
            value = value.get(key) if isinstance(value, dict) else None
        if col.kind == "objects":
            out.append(" | ".join(_text(v) for v in value or []))
        elif col.kind == "number" and value not in (None, ""):
            out.append(Decimal(value) if isinstance(value, str) else value)
        else:
            out.append(_text(value))
    return out


RowWriter = Callable[[list[Any]], list[dict[str, Any]]]


def written_rows(queryset: QuerySet, write: RowWriter) -> Iterator[dict[str, Any]]:
    """Records written a chunk at a time (prefetches run once per chunk): by a list's row writer,
    or by its serializer (`serialized_rows`); the same JSON either way."""
    records = queryset.iterator(chunk_size=CHUNK_SIZE)
    while chunk := list(itertools.islice(records, CHUNK_SIZE)):
        yield from write(chunk)


def serialized_rows(
    queryset: QuerySet, serializer_class: type[serializers.Serializer], context: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    return written_rows(queryset, lambda chunk: serializer_class(chunk, many=True, context=context).data)


class _Echo:
    """csv.writer wants a file; this one hands each line back to the generator."""

    def write(self, value: str) -> str:
        return value


# A text cell starting with one of these is read as a formula by spreadsheet software
# (=HYPERLINK(…), @SUM(…), +cmd|…); OWASP's CSV-injection advice: prefix a quote so it stays text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralised_csv_lines(header: list[Any], rows: Iterable[list[Any]]) -> Iterator[str]:
    """CSV text, a line at a time, every cell neutralised: the writer of every CSV we serve (list
    exports and the insights tables). The BOM first, so spreadsheet programs read UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([neutralise(v) for v in header])
    for row in rows:
        yield writer.writerow([neutralise(v) for v in row])


def csv_lines(rows: Iterable[dict[str, Any]], cols: list[Column]) -> Iterator[str]:
    return neutralised_csv_lines([c.header for c in cols], (cell_values(row, cols) for row in rows))


@cache
def _openpyxl() -> tuple[Any, Any, Any]:
    """openpyxl (Workbook, WriteOnlyCell, ILLEGAL_CHARACTERS_RE), imported on the first spreadsheet:
    with the PIL and XML modules it brings it is ~15 MB of every worker's memory, and most workers
    never write a spreadsheet."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell

    return Workbook, WriteOnlyCell, ILLEGAL_CHARACTERS_RE


def _xlsx_cell(ws: Any, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    _, WriteOnlyCell, ILLEGAL_CHARACTERS_RE = _openpyxl()
    cell = WriteOnlyCell(ws, ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL])
    cell.data_type = "s"  # text stays text: never a formula ("=…") or an error code ("#N/A")
    return cell


def _xlsx_typed(ws: Any, value: Any, kind: str) -> Any:
    """Dates and times as spreadsheet dates (sortable, filterable), the rest as _xlsx_cell."""
    if kind in ("date", "datetime") and isinstance(value, str) and value:
        if kind == "date":
            parsed: Any = parse_date(value)
            number_format = "yyyy-mm-dd"
        else:
            parsed = parse_datetime(value)
            # Excel has no time zones: the moment in the site's zone, without an offset.
            parsed = timezone.localtime(parsed).replace(tzinfo=None) if parsed and parsed.tzinfo else parsed
            number_format = "yyyy-mm-dd hh:mm:ss"
        if parsed is not None:
            cell = _openpyxl()[1](ws, parsed)
            cell.number_format = number_format
            return cell
    return _xlsx_cell(ws, value)


def write_xlsx(rows: Iterable[dict[str, Any]], cols: list[Column], sheet: str, target: Any) -> None:
    wb = _openpyxl()[0](write_only=True)
    ws = wb.create_sheet(title=sheet[:31])
    ws.freeze_panes = "A2"  # the header stays in view while scrolling
    ws.append([c.header for c in cols])
    for row in rows:
        ws.append([_xlsx_typed(ws, v, c.kind) for v, c in zip(cell_values(row, cols), cols, strict=True)])
    wb.save(target)


def json_chunks(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """One JSON array of every record, streamed a record at a time."""
    yield "["
    for i, row in enumerate(rows):
        yield ("," if i else "") + json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False)
    yield "]"


class ExportRenderer(renderers.BaseRenderer):
    """A list written whole as one file. `export()` is what a list view calls with the negotiated
    renderer: it reads the records a chunk at a time and streams the file. `render()` is DRF's
    entry point for whatever else reaches the renderer (a list of flat objects), kept so content
    negotiation stays honest."""

    extension = ""

    def export(
        self,
        *,
        queryset: QuerySet,
        serializer_class: type[serializers.Serializer],
        context: dict[str, Any],
        name: str,
        readable_headers: bool = False,
        write: RowWriter | None = None,
    ) -> StreamingHttpResponse | FileResponse:
        """Every record of `queryset` as this renderer's file; `readable_headers` (the web lists'
        buttons) heads each column with its label in the request's language instead of its field
        path. With `write` (a row writer writing what `serializer_class` would) the records are
        written by it; the columns still come from the serializer."""
        cols = columns(serializer_class(context=context))
        if readable_headers:
            cols = readable(cols)
        if write is not None:
            rows = written_rows(queryset, write)
        else:
            rows = serialized_rows(queryset, serializer_class, context)
        return self.stream(rows, cols, name, f"{name}-{timezone.localdate():%Y%m%d}.{self.extension}")

    def stream(
        self, rows: Iterable[dict[str, Any]], cols: list[Column], name: str, filename: str
    ) -> StreamingHttpResponse | FileResponse:
        raise NotImplementedError

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        rows = data if isinstance(data, list) else [data]
        keys = list(rows[0]) if rows and isinstance(rows[0], dict) else []
        response = self.stream(rows, [Column(k, (k,), "value") for k in keys], "export", "export")
        return b"".join(response.streaming_content)


def _attachment(response: StreamingHttpResponse, filename: str) -> StreamingHttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class CSVRenderer(ExportRenderer):
    """Selected by ?format=csv or Accept: text/csv."""

    media_type = CSV_MEDIA_TYPE
    format = CSV
    extension = CSV
    charset = "utf-8"

    def stream(self, rows, cols, name, filename):
        content_type = f"{CSV_MEDIA_TYPE}; charset=utf-8"
        return _attachment(StreamingHttpResponse(csv_lines(rows, cols), content_type=content_type), filename)


class XLSXRenderer(ExportRenderer):
    media_type = XLSX_MEDIA_TYPE
    format = XLSX
    extension = XLSX
    charset = None
    render_style = "binary"

    def stream(self, rows, cols, name, filename):
        # Not a `with` block: the file must outlive this method; FileResponse closes (deletes) it.
        target = tempfile.TemporaryFile()  # noqa: SIM115
        write_xlsx(rows, cols, name, target)
        target.seek(0)
        return FileResponse(target, as_attachment=True, filename=filename, content_type=XLSX_MEDIA_TYPE)


class JSONExportRenderer(ExportRenderer):
    """The web lists' JSON button: one array of every record, streamed a record at a time. Not
    offered by the API, whose JSON is its paginated list."""

    media_type = "application/json"
    format = JSON
    extension = JSON
    charset = "utf-8"

    def stream(self, rows, cols, name, filename):
        content_type = "application/json; charset=utf-8"
        return _attachment(StreamingHttpResponse(json_chunks(rows), content_type=content_type), filename)


EXPORT_RENDERERS: dict[str, type[ExportRenderer]] = {
    CSV: CSVRenderer,
    XLSX: XLSXRenderer,
    JSON: JSONExportRenderer,
}


def export_response(*, fmt: str, **kwargs: Any) -> StreamingHttpResponse | FileResponse:
    """The export in format `fmt` (csv, xlsx or json) by its renderer; see ExportRenderer.export."""
    return EXPORT_RENDERERS[fmt]().export(**kwargs)
