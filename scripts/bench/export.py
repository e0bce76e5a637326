"""The same published rows, from PostgreSQL into a SQLite file for Datasette.

What a researcher would build to serve our data with Datasette, and no less: one `cases` table
(published cases, with the category slug, product and institution names denormalised so a filter
or a label needs no join), one `products` table, an index on every filtered or sorted column, and
an FTS5 table over the very character bigrams our index holds (catalogue/fulltext/text.py, read
back from our index table and tokenised the same way), so a `_search` matches what our `q` does.
The file is then served in immutable mode (Datasette counts and caches accordingly).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import psycopg

CASES_SQL = """
    SELECT c.id, c.key, c.date, c.amount::float8, c.currency, c.term_months, c.client, c.milestone,
           c.summary, c.product_id, p.name, c.institution_id, i.name, k.slug, c.province_id, c.city_id,
           c.modified
    FROM products_case c
    JOIN products_product p ON p.id = c.product_id
    JOIN products_category k ON k.id = p.category_id
    JOIN institutions_institution i ON i.id = c.institution_id
    WHERE c.status = 'published'
    ORDER BY c.id
"""
PRODUCTS_SQL = """
    SELECT p.id, p.key, p.name, p.institution_id, i.name, k.slug, p.target_clients, p.collateral,
           p.description, p.modified
    FROM products_product p
    JOIN products_category k ON k.id = p.category_id
    LEFT JOIN institutions_institution i ON i.id = p.institution_id
    WHERE p.status = 'published'
    ORDER BY p.id
"""
FTS_SQL = """
    SELECT e.object_id, e.name, e.tags, e.body
    FROM catalogue_search_entry e JOIN products_case c ON c.id = e.object_id
    WHERE e.kind = 'case' AND c.status = 'published'
"""

SCHEMA = """
CREATE TABLE cases (
    id INTEGER PRIMARY KEY, key TEXT, date TEXT, amount REAL, currency TEXT, term_months INTEGER,
    client TEXT, milestone TEXT, summary TEXT, product_id INTEGER, product_name TEXT,
    institution_id INTEGER, institution_name TEXT, category_slug TEXT, province_id TEXT, city_id TEXT,
    modified TEXT
);
CREATE TABLE products (
    id INTEGER PRIMARY KEY, key TEXT, name TEXT, institution_id INTEGER, institution_name TEXT,
    category_slug TEXT, target_clients TEXT, collateral TEXT, description TEXT, modified TEXT
);
CREATE VIRTUAL TABLE cases_fts USING fts5(name, tags, body, tokenize = 'unicode61 remove_diacritics 0');
"""
INDEXES = """
CREATE INDEX cases_date ON cases (date);
CREATE INDEX cases_province ON cases (province_id);
CREATE INDEX cases_city ON cases (city_id);
CREATE INDEX cases_category ON cases (category_slug);
CREATE INDEX cases_product ON cases (product_id);
CREATE INDEX cases_institution ON cases (institution_id);
CREATE INDEX cases_amount ON cases (amount);
CREATE INDEX products_name ON products (name);
CREATE INDEX products_category ON products (category_slug);
"""


def _iso(v: object) -> object:
    return v.isoformat() if hasattr(v, "isoformat") else v


def export(pg_url: str, path: Path) -> dict[str, int]:
    """Write the SQLite file at `path` (replacing it); the row count of each table."""
    from catalogue.fulltext.text import tokens

    t0 = time.monotonic()
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + SCHEMA)
    counts = {}
    with psycopg.connect(pg_url) as pg:
        for table, sql, width in (("cases", CASES_SQL, 17), ("products", PRODUCTS_SQL, 10)):
            marks = ",".join("?" * width)
            with pg.cursor(name=f"export_{table}") as cur:
                cur.itersize = 20_000
                cur.execute(sql)
                while rows := cur.fetchmany(20_000):
                    db.executemany(
                        f"INSERT INTO {table} VALUES ({marks})", [tuple(_iso(v) for v in r) for r in rows]
                    )
        with pg.cursor(name="export_fts") as cur:
            cur.execute(FTS_SQL)
            # Our index keeps each field as normalised text; its tokens are the bigrams we index
            # (a value separator such as "·" breaks a run, so no bigram spans two values).
            while rows := cur.fetchmany(20_000):
                db.executemany(
                    "INSERT INTO cases_fts (rowid, name, tags, body) VALUES (?, ?, ?, ?)",
                    [(i, *(" ".join(tokens(f)) for f in (n, t, b))) for i, n, t, b in rows],
                )
    db.executescript(INDEXES + "INSERT INTO cases_fts(cases_fts) VALUES ('optimize'); ANALYZE;")
    db.commit()
    for table in ("cases", "products", "cases_fts"):
        counts[table] = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    db.execute("VACUUM")
    db.close()
    print(f"  exported {counts} to {path} in {time.monotonic() - t0:.0f}s", flush=True)
    return counts
