"""Chinese by default. On pages the language is the visitor's explicit choice — `?lang=` in the URL
first (so a shared link reads the same for everyone who opens it), then the switch's cookie —
never guessed from the browser's Accept-Language. The API is read by programs, which say what
they want with Accept-Language; its messages follow it (after an explicit `?lang=`).

Also here: input cleaned at the edge (ControlCharactersMiddleware)."""

import json
import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import gettext as _

LANG_PARAM = "lang"
API_PREFIX = "/api/"


def _supported() -> set[str]:
    return {code for code, _ in settings.LANGUAGES}


def chosen_language(request: HttpRequest) -> str:
    """The language of the answer to `request`, by the rules above."""
    asked = request.GET.get(LANG_PARAM)
    if asked in _supported():
        return asked
    if request.path.startswith(API_PREFIX):
        # The cookie, then Accept-Language, then the default.
        return translation.get_language_from_request(request)
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return chosen if chosen in _supported() else settings.LANGUAGE_CODE


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        # A page opened with ?lang= remembers it, so the links without it (detail pages) keep
        # the language the visitor arrived in.
        asked = request.GET.get(LANG_PARAM)
        if (
            asked in _supported()
            and not request.path.startswith(API_PREFIX)
            and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != asked
        ):
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                asked,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return super().process_response(request, response)


# Control characters (Unicode category Cc: C0, DEL, C1). None belongs in a path or a query value;
# a form's text area may hold tab, newline and carriage return. PostgreSQL refuses NUL in text,
# which turned `/api/v1/regions/%00/` into a 500 (issue 20 finding 7); the others are refused too,
# since no field of the catalogue means them and they hide text in logs, CSV and admin pages.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def control_characters(value: str, *, text_area: bool = False) -> bool:
    """Whether `value` holds a control character (tab, newline and CR allowed in a text area)."""
    return bool((CONTROL_IN_TEXT if text_area else CONTROL).search(value))


def _refused_field(request: HttpRequest) -> str | None:
    """The first input of `request` holding a control character: "path", a parameter or a field."""
    if control_characters(request.path_info):
        return "path"
    for name, values in request.GET.lists():
        if control_characters(name) or any(control_characters(v) for v in values):
            return name
    # API bodies are JSON, checked by its parser (catalogue.api.parsers); forms are read here.
    if (
        request.method not in ("GET", "HEAD", "OPTIONS")
        and not request.path.startswith(API_PREFIX)
        and request.content_type in FORM_TYPES
    ):
        for name, values in request.POST.lists():
            if control_characters(name) or any(control_characters(v, text_area=True) for v in values):
                return name
    return None


class ControlCharactersMiddleware:
    """Refuses control characters in every path, query parameter and form field with a 400:
    problem JSON naming the input on the API, the bad-request page elsewhere. One check at the
    edge, so no view, filter or admin lookup sends them to the database."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            field = _refused_field(request)
        except MultiPartParserError:
            field = "body"  # a form body that cannot be read is as much a bad request
        if field is None:
            return self.get_response(request)
        # Refused before ChosenLanguageMiddleware runs: the answer still speaks the request's language.
        with translation.override(chosen_language(request)):
            return self._refuse(request, field)

    @staticmethod
    def _refuse(request: HttpRequest, field: str) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            from catalogue.api.exceptions import PROBLEM_MEDIA_TYPE, problem

            message = _("Control characters (such as NUL) are not allowed.")
            body = problem(
                slug="validation-error",
                status_code=400,
                detail=_("%(field)s: %(message)s") % {"field": field, "message": message},
                instance=request.get_full_path(),
                errors=[{"field": field, "message": message}],
            )
            return HttpResponse(
                json.dumps(body, ensure_ascii=False), status=400, content_type=PROBLEM_MEDIA_TYPE
            )
        from catalogue.errors import bad_request

        reason = _("%(field)s: control characters (such as a NUL byte or a line break) are not allowed.")
        return bad_request(request, reason=reason % {"field": field})


# The data API (/api/v1/) is read by programs with API keys: it has no session (no API
# authenticator reads one) and no flash messages. (CSRF stays: its check returns at once for
# DRF's exempt views, and `check --deploy` looks for it by name.)
# The middleware below wraps those in settings.MIDDLEWARE so that an API
# request passes them by. The docs and schema under /api/ keep the full chain (Swagger UI is a page).
DATA_API_PREFIX = "/api/v1/"


def pages_only(middleware: type) -> type:
    """`middleware`, passed by on /api/v1/ requests: the same class, whose call goes straight on
    to the next layer when the path is the data API's."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(DATA_API_PREFIX):
            return self.get_response(request)
        return middleware.__call__(self, request)

    return type(f"PagesOnly{middleware.__name__}", (middleware,), {"__call__": __call__})


# Built on first use (Django imports the middleware once the apps are ready; the auth middleware
# cannot be imported before), so that importing this module stays cheap and safe.
PAGES_ONLY = {
    "PagesOnlySessionMiddleware": "django.contrib.sessions.middleware.SessionMiddleware",
    "PagesOnlyAuthenticationMiddleware": "django.contrib.auth.middleware.AuthenticationMiddleware",
    "PagesOnlyMessageMiddleware": "django.contrib.messages.middleware.MessageMiddleware",
}
_built: dict[str, type] = {}


def __getattr__(name: str) -> type:
    if name not in PAGES_ONLY:
        raise AttributeError(name)
    if name not in _built:
        from django.utils.module_loading import import_string

        _built[name] = pages_only(import_string(PAGES_ONLY[name]))
    return _built[name]
