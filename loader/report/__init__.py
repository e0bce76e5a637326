"""Parsing the monthly report (中小企业金融产品与业务创新指引) into draft records; pure Python."""

from .parser import Case, Metric, Policy, ProductMention, Report, ReportFormatError, parse_report
from .preview import Resolve, Resolved, report_preview

__all__ = [
    "Case",
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
