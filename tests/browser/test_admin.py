"""The admin as a curator sees it on a 1366 × 768 laptop screen: no sideways scrolling on the lists
and change forms a review passes through. Screenshots are kept (SCREENSHOT_DIR)."""

from __future__ import annotations

import pytest

USER, PASSWORD = "screen-curator", "a long test password 1366"


@pytest.fixture(scope="session")
def curator_account(django_db_setup, django_db_blocker):
    """Committed (like the catalogue) so the live server thread sees it on any database."""
    from django.contrib.auth.models import User

    with django_db_blocker.unblock():
        if not User.objects.filter(username=USER).exists():
            User.objects.create_superuser(USER, "screen@example.com", PASSWORD)
    return USER


@pytest.fixture
def admin_page(browser, site_url, db, curator_account):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(15000)
    pg.goto(f"{site_url}/admin/login/?next=/admin/")
    pg.fill("#id_username", USER)
    pg.fill("#id_password", PASSWORD)
    pg.click("input[type=submit]")
    pg.wait_for_url(f"{site_url}/admin/")
    yield pg
    context.close()


def _first_pk(model) -> int:
    return model.objects.order_by("pk").values_list("pk", flat=True).first()


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_admin_pages_fit_a_1366_screen(admin_page, site_url, shots, lang):
    from policies.models import Policy
    from products.models import Case, Product

    admin_page.context.add_cookies([{"name": "django_language", "value": lang, "url": site_url}])
    pages = {
        "case-list": "/admin/products/case/",
        "case-change": f"/admin/products/case/{_first_pk(Case)}/change/",
        "product-change": f"/admin/products/product/{_first_pk(Product)}/change/",
        "policy-change": f"/admin/policies/policy/{_first_pk(Policy)}/change/",
    }
    for name, path in pages.items():
        response = admin_page.goto(site_url + path)
        assert response.status == 200, path
        width = admin_page.evaluate("document.documentElement.scrollWidth")
        admin_page.screenshot(path=str(shots / f"admin-{name}-{lang}.png"), full_page=False)
        assert width <= 1366, f"{path} is {width} px wide"
        html = admin_page.content()
        if lang == "en":
            assert "添加另一个" not in html and "发布所选" not in html, path
        else:
            assert "Add another" not in html and "Publish the selected" not in html, path
