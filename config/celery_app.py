"""Celery application. Without CELERY_BROKER_URL tasks run inline (eager), so the embedded
default needs no broker; CI runs a real worker against Redis. Every worker writes a heartbeat
(catalogue.workers.Heartbeat) that /readyz reads."""

from __future__ import annotations

import os

from celery import Celery

from catalogue.workers import Heartbeat

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("catalogue")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.steps["worker"].add(Heartbeat)
