"""Every page names its icon, /favicon.ico answers (no 404 on a first load), and flash messages are
a list inside a live region (axe `listitem`: a role on the <ul> itself would unmake the list)."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_favicon_is_linked_and_answers(client):
    html = client.get("/").content.decode()
    icons = re.findall(r'<link rel="icon" href="([^"]+)"', html)
    assert icons and finders.find("catalogue/favicon.svg")
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO header, not a page


def test_flash_messages_are_a_list_in_a_live_region(client):
    client.post("/basket/add/", {"product": "not-a-number"})
    html = client.get("/basket/").content.decode()
    region = re.search(
        r'<div class="messages-region" role="status"><ul class="messages">(.*?)</ul></div>', html, re.S
    )
    assert region and "<li" in region.group(1)
    assert not re.search(r"<ul[^>]*role=", html)
