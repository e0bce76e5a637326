"""partners.selectors called directly: which raw key string authenticates, and whose submissions a
partner sees."""

from __future__ import annotations

import pytest

from partners.selectors import MAX_KEY_LENGTH, api_key_for, submission_list
from partners.services import api_key_revoke, submission_create
from tests.factories import PartnerFactory, api_key, submission_payload

pytestmark = pytest.mark.django_db


def test_api_key_for_finds_the_key_of_a_raw_string_with_its_partner():
    key, raw = api_key()
    found = api_key_for(raw)
    assert found == key and found.partner == key.partner
    assert api_key_for(f"  {raw}  ") == key  # pasted with spaces


@pytest.mark.parametrize(
    "mangle",
    [
        lambda raw: raw[:-1] + ("A" if raw[-1] != "A" else "B"),  # right prefix, wrong secret
        lambda raw: raw.replace(".", ""),  # no separator
        lambda raw: "." + raw.split(".", 1)[1],  # no prefix
        lambda raw: raw + "x" * MAX_KEY_LENGTH,  # too long to be a key
        lambda raw: "",
    ],
)
def test_api_key_for_refuses_anything_but_the_exact_key(mangle):
    _key, raw = api_key()
    assert api_key_for(mangle(raw)) is None


def test_api_key_for_refuses_a_revoked_key():
    key, raw = api_key()
    api_key_revoke(key=key)
    assert api_key_for(raw) is None


def test_submission_list_holds_only_the_partners_own():
    mine, theirs = PartnerFactory(), PartnerFactory()
    key, _ = api_key(mine)
    other_key, _ = api_key(theirs)
    a = submission_create(key=key, data=submission_payload())
    b = submission_create(key=key, data=submission_payload(product__name="第二个产品"))
    submission_create(key=other_key, data=submission_payload())
    assert set(submission_list(partner=mine)) == {a, b}
    assert set(submission_list(partner=PartnerFactory())) == set()
