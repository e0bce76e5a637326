"""What the parsers make of an issue: draft records, each with its locator and verbatim excerpt."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class Case:
    locator: str
    line: int
    institution: str
    product: str
    description: str
    date: dt.date | None
    amount: Decimal | None
    currency: str
    client: str
    province: str | None
    city: str | None
    excerpt: str
    # The product's name was made up from the description (its cell was empty), not written.
    product_descriptive: bool = False


@dataclass
class Policy:
    locator: str
    line: int
    heading: str
    document_title: str
    issuer: str
    level: str
    province: str | None
    city: str | None
    issued_date: dt.date | None
    summary: str
    excerpt: str


@dataclass
class Metric:
    locator: str
    line: int
    institution: str
    indicator: str
    value: Decimal
    unit: str
    period: str
    excerpt: str


@dataclass
class ProductMention:
    locator: str
    line: int
    name: str
    institution: str
    excerpt: str


@dataclass
class Report:
    title: str
    year: int
    month: int
    publisher: str
    cases: list[Case] = field(default_factory=list)
    policies: list[Policy] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    products: list[ProductMention] = field(default_factory=list)
    unparsed: list[tuple[int, str]] = field(default_factory=list)
    # Lines of text the tables covered, and of those the lines no row could take: the base of an
    # honest result (an import whose tables mostly went unread needs a curator's attention).
    table_lines: int = 0
    unplaced_table_lines: int = 0
    tables: int = 0
