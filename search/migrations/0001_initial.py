"""The search index table: an FTS5 virtual table on SQLite, a tsvector table with GIN indexes on
PostgreSQL (see catalogue/fulltext/backends.py). Filled by `manage.py rebuild_search_index` or the
next `load_catalogue`."""

from django.db import migrations


def create(apps, schema_editor):
    from catalogue.fulltext.backends import backend_for

    with schema_editor.connection.cursor() as cursor:
        backend_for(schema_editor.connection).create_schema(cursor)


def drop(apps, schema_editor):
    from catalogue.fulltext.backends import backend_for

    with schema_editor.connection.cursor() as cursor:
        backend_for(schema_editor.connection).drop_schema(cursor)


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
