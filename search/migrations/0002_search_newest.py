"""`search_newest`: one tier of a common term's matches, newest first, by walking the (kind,
sort_key) index (search/ranking.py calls it inside its statement).

The walk is only fast under planner settings the other search reads must not have (no bitmap
scans, sorts, hash or merge joins, parallel workers or JIT: PostgresBackend.walk says why). A
function's SET clauses hold them while it plans and runs its query and restore them on return,
so the walk can sit inside a larger statement instead of between two set_config statements.
PostgreSQL only; on SQLite the search keeps its per-kind reads."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION search_newest(
    p_kind text, p_column text, p_exclude text, p_query tsquery, p_within text, p_limit integer
) RETURNS TABLE (object_id bigint, sort_key timestamptz)
LANGUAGE plpgsql STABLE
SET max_parallel_workers_per_gather = 0
SET jit = off
SET enable_bitmapscan = off
SET enable_seqscan = off
SET enable_hashjoin = off
SET enable_mergejoin = off
SET enable_sort = off
AS $$
BEGIN
    -- p_within: the caller's queryset, a SELECT of ids with its values already quoted in.
    RETURN QUERY EXECUTE format(
        'SELECT e.object_id, e.sort_key FROM catalogue_search_entry e '
        'WHERE e.kind = $1 AND e.%I @@ $2 %s AND e.object_id IN (%s) '
        'ORDER BY e.sort_key DESC NULLS LAST, e.object_id DESC LIMIT $3',
        p_column,
        CASE WHEN p_exclude IS NULL THEN '' ELSE format('AND NOT e.%I @@ $2', p_exclude) END,
        p_within
    ) USING p_kind, p_query, p_limit;
END
$$
"""
DROP = "DROP FUNCTION IF EXISTS search_newest(text, text, text, tsquery, text, integer)"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)  # its format() % are not placeholders


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
