"""Parsing the monthly report (中小企业金融产品与业务创新指引) into draft records; pure Python."""

from .errors import ReportFileError, ReportFormatError
from .layout import Layout, Line, Row, Table
from .parser import Case, Metric, Policy, ProductMention, Report, parse_report
from .preview import Resolve, Resolved, report_preview

__all__ = [
    "Case",
    "Layout",
    "Line",
    "Row",
    "Table",
    "ReportFileError",
    "Metric",
    "Policy",
    "ProductMention",
    "Report",
    "ReportFormatError",
    "Resolve",
    "Resolved",
    "parse_report",
    "report_preview",
]
