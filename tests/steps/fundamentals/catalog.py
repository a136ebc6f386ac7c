"""Steps of the catalog component (features/fundamentals/catalog.feature, :mod:`redisbehaviors.catalog`).

The scenario's world is :class:`Shop`: the catalog (rebuilt when a step changes its options), the
outcome of the latest call, and a snapshot of the catalog's keys to prove a refused call wrote nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis
from pytest_bdd import given, parsers, then, when

from redisbehaviors.catalog import Catalog
from redisbehaviors.errors import RedisBehaviorsError
from redisbehaviors.testing import wait_until


def _number(text: str) -> int | float:
    return int(text) if text.lstrip("-").isdigit() else float(text)


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


# ------------------------------------------------------------------------------------------ the catalog


@dataclass
class Shop:
    """The scenario's catalog, rebuilt when a step changes its options."""

    client: redis.Redis
    namespace: str
    options: dict[str, Any] = field(default_factory=dict)  # Catalog keyword arguments a step chose
    error: RedisBehaviorsError | None = None
    result: Any = None
    before: dict[str, bytes] | None = None  # the catalog's keys before the latest call

    @property
    def catalog(self) -> Catalog:
        return Catalog(self.client, namespace=self.namespace, **self.options)

    def attempt(self, action: Callable[[Catalog], Any]) -> None:
        """Run ``action(catalog)``; keep a refusal instead of raising it."""
        self.before = self.snapshot()
        try:
            self.result, self.error = action(self.catalog), None
        except RedisBehaviorsError as exc:
            self.result, self.error = None, exc

    def snapshot(self) -> dict[str, bytes]:
        """Every key of this catalog with its serialized value: what "wrote nothing" compares."""
        if isinstance(self.client, redis.RedisCluster):  # products live in several slots: ask every primary
            names = sorted(self.client.scan_iter(match=f"{self.namespace}:*", count=1000))
            return {name: self.client.dump(name) for name in names}
        with redis.Redis(connection_pool=self.client.connection_pool) as plain:
            names = sorted(plain.scan_iter(match=f"{self.namespace}:*", count=1000))
            pipe = plain.pipeline(transaction=False)
            for name in names:
                pipe.dump(name)
            return dict(zip(names, pipe.execute(), strict=True))


@pytest.fixture
def shop(client_factory: Callable[..., Any], ns: str) -> Shop:
    return Shop(client_factory(decode_responses=True), ns)


@given("a catalog with these products:")
def catalog_with_products(shop: Shop, datatable: list[list[str]]) -> None:
    header, *rows = datatable
    for row in rows:
        fields = dict(zip(header, row, strict=True))
        product = fields.pop("product")
        shop.catalog.put_product(product, {**fields, "price": _number(fields["price"])})


@given(parsers.parse("the recently-viewed cap is {cap:d}"))
def recent_cap(shop: Shop, cap: int) -> None:
    shop.options["recent_limit"] = cap


@given(parsers.parse("recently-viewed lists expire after {ms:d} ms idle"))
def recent_idle(shop: Shop, ms: int) -> None:
    shop.options["recent_idle_ms"] = ms


@when(parsers.parse('the catalog updates "{product}" with {field} "{value}"'))
def update_product(shop: Shop, product: str, field: str, value: str) -> None:
    shop.attempt(lambda c: c.update_product(product, {field: _number(value) if field == "price" else value}))


@when(parsers.parse('the catalog reads the fields "{names}" of "{product}"'))
def read_fields(shop: Shop, names: str, product: str) -> None:
    shop.attempt(lambda c: c.product_fields(product, _names(names)))


@when(parsers.re(r'the catalog creates a product with id "(?P<product_id>[^"]*)"'))
def create_product_with_id(shop: Shop, product_id: str) -> None:
    shop.attempt(lambda c: c.put_product(product_id, {"name": "X", "price": 1.0}))


@when(parsers.parse("the catalog creates a product with an id of {length:d} characters"))
def create_long_id(shop: Shop, length: int) -> None:
    shop.attempt(lambda c: c.put_product("p" * length, {"name": "X"}))


@when(parsers.parse('the catalog creates product "{product}" with stock {stock:d}'))
def create_with_stock(shop: Shop, product: str, stock: int) -> None:
    shop.attempt(lambda c: c.put_product(product, {"name": "X", "stock": stock}))


@when(parsers.parse('the catalog changes the stock of "{product}" by {delta:g}'))
def change_stock(shop: Shop, product: str, delta: float) -> None:
    shop.attempt(lambda c: c.adjust_stock(product, delta))


@given(parsers.parse('"{user}" likes "{product}"'))
@when(parsers.parse('"{user}" likes "{product}"'))
def like(shop: Shop, user: str, product: str) -> None:
    shop.attempt(lambda c: c.like(user, product))


@when(parsers.parse('"{user}" unlikes "{product}"'))
def unlike(shop: Shop, user: str, product: str) -> None:
    shop.attempt(lambda c: c.unlike(user, product))


@when(parsers.parse('the catalog checks the favorites of "{user}" for "{products}"'))
def check_favorites(shop: Shop, user: str, products: str) -> None:
    shop.attempt(lambda c: c.are_favorites(user, _names(products)))


@given(parsers.re(r'"(?P<product>[^"]+)" has been viewed (?P<times>\d+) times?'), converters={"times": int})
def viewed_times(shop: Shop, product: str, times: int) -> None:
    for _ in range(times):
        shop.catalog.record_view(product)


@when(parsers.parse('"{user}" views "{product}"'))
def user_views(shop: Shop, user: str, product: str) -> None:
    shop.attempt(lambda c: c.record_view(product, user))


@given(parsers.parse('"{user}" has viewed "{products}"'))
def user_viewed_many(shop: Shop, user: str, products: str) -> None:
    for product in _names(products):
        shop.catalog.record_view(product, user)


@when(
    parsers.parse("the catalog lists products priced from {low:g} to {high:g}, skipping {offset:d}, at most {count:d}")
)
def list_price_range(shop: Shop, low: float, high: float, offset: int, count: int) -> None:
    shop.attempt(lambda c: c.in_price_range(low, high, offset=offset, count=count))


@when(parsers.parse('the catalog reads the cards of "{products}" for "{user}"'))
def read_cards(shop: Shop, products: str, user: str) -> None:
    shop.attempt(lambda c: c.cards(_names(products), user))


# ------------------------------------------------------------------------------------------ outcomes


@then(parsers.parse('the catalog refuses with "{message}"'))
def refused(shop: Shop, message: str) -> None:
    assert shop.error is not None, f"expected a refusal saying {message!r}, got {shop.result!r}"
    assert message in str(shop.error), f"expected {message!r} in {shop.error!s}"


@then("the catalog wrote nothing")
def wrote_nothing(shop: Shop) -> None:
    assert shop.snapshot() == shop.before


@then(parsers.parse('product "{product}" reads name "{name}", price "{price}" and colour "{colour}"'))
def product_reads(shop: Shop, product: str, name: str, price: str, colour: str) -> None:
    assert shop.catalog.product(product) == {"name": name, "price": price, "colour": colour}


@then(parsers.parse('product "{product}" does not exist'))
def product_missing(shop: Shop, product: str) -> None:
    assert shop.client.exists(shop.catalog.keys.product(product)) == 0


@then(parsers.parse('the fields read are price "{price}" and stock missing'))
def fields_read(shop: Shop, price: str) -> None:
    assert shop.result == {"price": price, "stock": None}


@then("the like changed nothing")
def like_unchanged(shop: Shop) -> None:
    assert shop.error is None, shop.error
    assert shop.result.changed is False


@then(parsers.re(r'"(?P<product>[^"]+)" has (?P<count>\d+) likes?(?: from "(?P<users>[^"]*)")?'))
def likes_are(shop: Shop, product: str, count: str, users: str | None) -> None:
    catalog = shop.catalog
    assert int(catalog.product_fields(product, ["likes"])["likes"] or 0) == int(count)
    assert catalog.likers(product) == set(_names(users or ""))


@then(parsers.re(r'the favorites of "(?P<user>[^"]+)" are "(?P<products>[^"]*)"'))
def favorites_are(shop: Shop, user: str, products: str) -> None:
    assert shop.catalog.favorites(user) == set(_names(products))


@then(parsers.parse('the favorite flags are "{flags}"'))
def favorite_flags(shop: Shop, flags: str) -> None:
    assert shop.result == [flag == "yes" for flag in _names(flags)]


@then(parsers.parse("the view count is {views:d}"))
def view_count(shop: Shop, views: int) -> None:
    assert shop.error is None, shop.error
    assert shop.result == views


@then(parsers.parse('trending reads "{product}" with {views:d} views first'))
def trending_first(shop: Shop, product: str, views: int) -> None:
    assert shop.catalog.trending(1) == [(product, views)]


@then(parsers.parse('trending reads "{products}"'))
def trending_order(shop: Shop, products: str) -> None:
    assert [p for p, _ in shop.catalog.trending(10)] == _names(products)


@then("trending is empty")
def trending_empty(shop: Shop) -> None:
    assert shop.catalog.trending(10) == []


@then(parsers.re(r'"(?P<user>[^"]+)" recently viewed "(?P<products>[^"]*)"'))
def recently_viewed(shop: Shop, user: str, products: str) -> None:
    assert shop.catalog.recently_viewed(user) == _names(products)


@then(parsers.parse('the recently-viewed list of "{user}" has a TTL of at most {ms:d} ms'))
def recent_ttl(shop: Shop, user: str, ms: int) -> None:
    assert 0 < shop.client.pttl(shop.catalog.keys.recent(user)) <= ms


@then(parsers.parse('within {seconds:d} seconds the recently-viewed list of "{user}" is gone'))
def recent_gone(shop: Shop, seconds: int, user: str) -> None:
    key = shop.catalog.keys.recent(user)
    wait_until(lambda: shop.client.exists(key) == 0, timeout=seconds, what=f"{key} to expire")


@then(parsers.parse('the products listed are "{products}"'))
def products_listed(shop: Shop, products: str) -> None:
    assert shop.error is None, shop.error
    assert [p for p, _ in shop.result] == _names(products)


@then(parsers.parse('the catalog lists "{product}" first among products priced from {low:g} to {high:g}'))
def listed_first(shop: Shop, product: str, low: float, high: float) -> None:
    assert shop.catalog.in_price_range(low, high)[0][0] == product


@then("the cards read:")
def cards_read(shop: Shop, datatable: list[list[str]]) -> None:
    assert shop.error is None, shop.error
    header, *rows = datatable
    got = []
    for card in shop.result:
        if card is None:
            got.append([""] * (len(header) - 1))
            continue
        flag = "yes" if card.favorite else "no"
        got.append([card.name, str(card.price), str(card.views), str(card.likes), flag])
    assert got == [row[1:] for row in rows]
    assert [c.product_id for c in shop.result if c] == [row[0] for row in rows if row[1]]
