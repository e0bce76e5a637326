"""The index's newest-first walk as a function (`search_newest`, catalogue/fulltext/backends.py):
its SET clauses hold the planner settings the walk needs while it plans and runs, so the walk can
sit inside the statement that ranks (catalogue/fulltext/ranking.py). PostgreSQL only; new
databases get it from 0001's create_schema too."""

from django.db import migrations


def create(apps, schema_editor):
    from catalogue.fulltext.backends import backend_for

    backend = backend_for(schema_editor.connection)
    if hasattr(backend, "create_functions"):
        with schema_editor.connection.cursor() as cursor:
            backend.create_functions(cursor)


def drop(apps, schema_editor):
    from catalogue.fulltext.backends import NEWEST_FUNCTION

    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"DROP FUNCTION IF EXISTS {NEWEST_FUNCTION}(text, text, text, tsquery, text, integer)")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
