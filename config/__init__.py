"""The wiring on top of every app: settings, URL confs, the API router, the Celery app and WSGI.
No app imports this package.

The Celery app is imported here, when Django loads the settings, so that @shared_task binds to it."""

from config.celery_app import app as celery_app

__all__ = ("celery_app",)
