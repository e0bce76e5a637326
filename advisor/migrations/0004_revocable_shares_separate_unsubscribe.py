"""Shares that can be taken back, and an unsubscribe token apart from the feed's.

Shortlists shared before this migration stay shared (their links were handed out as permanent);
new ones are private until the owner shares them. Their notes become private: the owner ticks
"share notes" to show them again. Every saved search gets its own unsubscribe token, so links in
emails sent before no longer work (they were the feed token: whoever read the feed could use them).
"""

import secrets

from django.db import migrations, models

import advisor.models


def fill_unsubscribe_tokens(apps, schema_editor):
    SavedSearch = apps.get_model("advisor", "SavedSearch")
    for search in SavedSearch.objects.filter(unsubscribe_token__isnull=True).only("pk"):
        search.unsubscribe_token = secrets.token_urlsafe(18)
        search.save(update_fields=["unsubscribe_token"])


class Migration(migrations.Migration):
    dependencies = [("advisor", "0003_confirmed_email_addresses")]

    operations = [
        # Existing rows: shared (True); the default for new rows is set to False just after.
        migrations.AddField(
            model_name="shortlist",
            name="shared",
            field=models.BooleanField(default=True, verbose_name="shared by link"),
        ),
        migrations.AlterField(
            model_name="shortlist",
            name="shared",
            field=models.BooleanField(default=False, verbose_name="shared by link"),
        ),
        migrations.AddField(
            model_name="shortlist",
            name="share_notes",
            field=models.BooleanField(default=False, verbose_name="share notes"),
        ),
        migrations.AddField(
            model_name="shortlist",
            name="share_expires",
            field=models.DateTimeField(blank=True, null=True, verbose_name="link expires"),
        ),
        # A unique column with a per-row random value: added empty, filled, then made unique.
        migrations.AddField(
            model_name="savedsearch",
            name="unsubscribe_token",
            field=models.CharField(editable=False, max_length=40, null=True),
        ),
        migrations.RunPython(fill_unsubscribe_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="savedsearch",
            name="unsubscribe_token",
            field=models.CharField(default=advisor.models.new_token, editable=False, max_length=40, unique=True),
        ),
    ]
