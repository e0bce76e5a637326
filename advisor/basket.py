"""The compare basket: an ordered list of products and cases kept in the session, and on the
account when signed in (the two are merged at sign-in)."""

from __future__ import annotations

from django.http import HttpRequest

from advisor.models import Basket

SESSION_KEY = "compare_basket"
KINDS = ("product", "case")
MAX_PER_KIND = 6

Item = tuple[str, int]


def _clean(items: list) -> list[Item]:
    out: list[Item] = []
    for it in items or []:
        try:
            kind, pk = it[0], int(it[1])
        except (TypeError, ValueError, IndexError):
            continue
        if kind in KINDS and pk > 0 and (kind, pk) not in out:
            out.append((kind, pk))
    return out


def get_items(request: HttpRequest) -> list[Item]:
    if request.user.is_authenticated:
        basket = Basket.objects.filter(user=request.user).first()
        return _clean(basket.items if basket else [])
    return _clean(request.session.get(SESSION_KEY, []))


def save_items(request: HttpRequest, items: list[Item]) -> None:
    items = _clean(items)
    if request.user.is_authenticated:
        Basket.objects.update_or_create(user=request.user, defaults={"items": [list(i) for i in items]})
    request.session[SESSION_KEY] = [list(i) for i in items]


def add(request: HttpRequest, new: list[Item]) -> list[str]:
    """Append items not yet in the basket; returns the kinds that were full."""
    items = get_items(request)
    full = []
    for item in _clean(new):
        if item in items:
            continue
        if sum(1 for k, _ in items if k == item[0]) >= MAX_PER_KIND:
            full.append(item[0])
            continue
        items.append(item)
    save_items(request, items)
    return sorted(set(full))


def remove(request: HttpRequest, item: Item) -> None:
    save_items(request, [i for i in get_items(request) if i != item])


def move(request: HttpRequest, item: Item, step: int) -> None:
    """Move an item up (-1) or down (+1) among those of its kind."""
    items = get_items(request)
    if item not in items:
        return
    same = [i for i in items if i[0] == item[0]]
    pos = same.index(item)
    target = pos + step
    if 0 <= target < len(same):
        same[pos], same[target] = same[target], same[pos]
        others = [i for i in items if i[0] != item[0]]
        save_items(request, same + others if item[0] == "product" else others + same)


def merge_on_login(sender: object, request: HttpRequest, user: object, **kwargs: object) -> None:
    """At sign-in the session's basket joins the account's (account items first)."""
    session_items = _clean(request.session.get(SESSION_KEY, []))
    basket, _created = Basket.objects.get_or_create(user=user)
    merged = _clean(basket.items) + [i for i in session_items if i not in _clean(basket.items)]
    basket.items = [list(i) for i in merged]
    basket.save()
    request.session[SESSION_KEY] = basket.items
