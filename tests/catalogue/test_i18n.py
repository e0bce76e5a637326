"""The Chinese interface is complete: every interface string has a translation, none fuzzy."""

import re

from django.conf import settings


def test_chinese_catalogue_is_complete():
    po = (settings.BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = po.split("\n\n")[1:]  # the first block is the header
    assert len(entries) > 250
    missing = [
        e
        for e in entries
        if re.search(r'^msgstr(\[0\])? ""$', e, re.M) and not re.search(r'^"', e.split("msgstr", 1)[1], re.M)
    ]
    fuzzy = [e for e in entries if "#, fuzzy" in e]
    assert not missing, missing[:3]
    assert not fuzzy, fuzzy[:3]
    assert (settings.BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo").exists()
