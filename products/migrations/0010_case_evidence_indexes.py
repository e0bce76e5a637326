# Indexes the match ranking reads (advisor/matching.py, products/selectors.py peer_cases): which
# products have published cases in a province or a city, from the index alone; and, on PostgreSQL,
# a product's newest published cases and a province's (peer cases, in the order they are shown)
# and a product's cases by amount and by term (a case of similar size). SQLite cannot declare
# NULLS LAST in an index, and its catalogues are small, so those are PostgreSQL's only.

from django.db import migrations, models

POSTGRES_ONLY = {
    "case_pub_product_newest": "(product_id, date DESC NULLS LAST, id DESC)",
    "case_pub_province_newest": "(province_id, date DESC NULLS LAST, id DESC)",
    "case_pub_product_amount": "(product_id, amount)",
    "case_pub_product_term": "(product_id, term_months)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, columns in POSTGRES_ONLY.items():
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON products_case {columns} WHERE status = 'published'"
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in POSTGRES_ONLY:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("institutions", "0007_institution_name_en_method"),
        ("products", "0009_name_sort"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("status", "published")),
                fields=["province", "product"],
                name="case_pub_province_product",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("status", "published")),
                fields=["city", "product"],
                name="case_pub_city_product",
            ),
        ),
        migrations.RunPython(create, drop, elidable=False),
    ]
