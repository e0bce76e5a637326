"""Chinese by default. On pages the language is the visitor's explicit choice — `?lang=` in the URL
first (so a shared link reads the same for everyone who opens it), then the switch's cookie —
never guessed from the browser's Accept-Language. The API is read by programs, which say what
they want with Accept-Language; its messages follow it (after an explicit `?lang=`)."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

LANG_PARAM = "lang"
API_PREFIX = "/api/"


def _supported() -> set[str]:
    return {code for code, _ in settings.LANGUAGES}


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        asked = request.GET.get(LANG_PARAM)
        if asked in _supported():
            language = asked
        elif request.path.startswith(API_PREFIX):
            # The cookie, then Accept-Language, then the default.
            language = translation.get_language_from_request(request)
        else:
            chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
            language = chosen if chosen in _supported() else settings.LANGUAGE_CODE
        translation.activate(language)
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
