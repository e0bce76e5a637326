from django.db import migrations, models

# "Newest" and "largest" put cases without a date or amount last. PostgreSQL sorts NULLs first
# when descending, so it needs indexes declared NULLS LAST to serve those orders without a sort;
# SQLite already sorts NULLs last when descending (and has no such index syntax).
PG_INDEXES = {
    "case_status_date_nl": "(status, date DESC NULLS LAST, id DESC)",
    "case_status_amount_nl": "(status, amount DESC NULLS LAST, id DESC)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, columns in PG_INDEXES.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON products_case {columns}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in PG_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("institutions", "0001_initial"),
        ("products", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["product", "status", "date"], name="case_product_status_date"),
        ),
        migrations.RunPython(create, drop),
    ]
