"""Celery application. Without CELERY_BROKER_URL tasks run inline (eager), so the embedded
default needs no broker; CI runs a real worker against Redis."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "catalogue.settings.base")

app = Celery("catalogue")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
