"""The data API passes by the middleware it does not use (catalogue.middleware.pages_only): no
session or session user is made for /api/v1/, while pages and the API docs keep them."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from catalogue import middleware


@pytest.mark.parametrize(
    ("path", "made"),
    [("/api/v1/cases/", False), ("/api/v1/cases/3/", False), ("/cases/", True), ("/api/docs/", True)],
)
def test_session_auth_and_messages_only_off_the_data_api(path, made):
    seen = {}

    def view(request):
        seen.update(session=hasattr(request, "session"), user=hasattr(request, "user"))
        seen.update(messages=hasattr(request, "_messages"))
        return HttpResponse("ok")

    # Built as settings.MIDDLEWARE stacks them: session, then auth, then messages.
    handler = middleware.PagesOnlyMessageMiddleware(view)
    handler = middleware.PagesOnlyAuthenticationMiddleware(handler)
    handler = middleware.PagesOnlySessionMiddleware(handler)
    assert handler(RequestFactory().get(path)).status_code == 200
    assert seen == {"session": made, "user": made, "messages": made}


def test_only_the_listed_middleware_can_be_wrapped():
    with pytest.raises(AttributeError):
        middleware.PagesOnlyNothingMiddleware  # noqa: B018
