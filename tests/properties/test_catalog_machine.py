"""A Hypothesis state machine drives the catalog against the real server and a Python model.

After every step the invariants are checked on what Redis holds:
likes counter == size of the likers set == model; likers agree with every user's favorites;
trending scores equal the view counters and are ordered by them; every recently-viewed list is
capped, free of duplicates and most recent first; nothing drifts from the model.
Some steps run a batch of likes and anonymous views from several threads at once (those
commute, so the model knows the outcome whatever the interleaving).
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import redis
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from redisbehaviors.catalog import Catalog

PRODUCTS = [f"p{i}" for i in range(5)]
USERS = ["ana", "bob", "cy"]
CAP = 3

products = st.sampled_from(PRODUCTS)
users = st.sampled_from(USERS)


def test_catalog_agrees_with_its_model(redis_target: Any) -> None:
    client = redis_target.client()

    class CatalogMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.ns = f"rbt-m-{uuid.uuid4().hex[:8]}"
            self.catalog = Catalog(client, namespace=self.ns, recent_limit=CAP)
            for product in PRODUCTS:
                self.catalog.put_product(product, {"name": product.upper(), "price": 10})
            self.likes: dict[str, set[str]] = {p: set() for p in PRODUCTS}
            self.views: dict[str, int] = dict.fromkeys(PRODUCTS, 0)
            self.recent: dict[str, list[str]] = {u: [] for u in USERS}

        def teardown(self) -> None:
            for name in client.scan_iter(match=f"{self.ns}:*", count=1000):
                client.delete(name)

        @rule(user=users, product=products)
        def like(self, user: str, product: str) -> None:
            result = self.catalog.like(user, product)
            assert result.changed == (user not in self.likes[product])
            self.likes[product].add(user)
            assert result.likes == len(self.likes[product])

        @rule(user=users, product=products)
        def unlike(self, user: str, product: str) -> None:
            result = self.catalog.unlike(user, product)
            assert result.changed == (user in self.likes[product])
            self.likes[product].discard(user)
            assert result.likes == len(self.likes[product])

        @rule(user=st.one_of(st.none(), users), product=products)
        def view(self, user: str | None, product: str) -> None:
            self.views[product] += 1
            assert self.catalog.record_view(product, user) == self.views[product]
            if user is not None:
                seen = self.recent[user]
                self.recent[user] = ([product] + [p for p in seen if p != product])[:CAP]

        @rule(batch=st.lists(st.tuples(st.sampled_from(["like", "view"]), users, products), min_size=2, max_size=12))
        def concurrent_likes_and_views(self, batch: list[tuple[str, str, str]]) -> None:
            def run(op: tuple[str, str, str]) -> None:
                kind, user, product = op
                worker = Catalog(client, namespace=self.ns, recent_limit=CAP)
                if kind == "like":
                    worker.like(user, product)
                else:
                    worker.record_view(product)

            with ThreadPoolExecutor(max_workers=4) as pool:
                list(pool.map(run, batch))
            for kind, user, product in batch:
                if kind == "like":
                    self.likes[product].add(user)
                else:
                    self.views[product] += 1

        @invariant()
        def likes_counters_likers_and_favorites_agree(self) -> None:
            for product in PRODUCTS:
                likers = self.catalog.likers(product)
                count = int(self.catalog.product_fields(product, ["likes"])["likes"] or 0)
                assert likers == self.likes[product]
                assert count == len(likers)
            for user in USERS:
                expected = {p for p in PRODUCTS if user in self.likes[p]}
                assert self.catalog.favorites(user) == expected

        @invariant()
        def trending_agrees_with_view_counters(self) -> None:
            ranking = self.catalog.trending(len(PRODUCTS))
            viewed = {p: v for p, v in self.views.items() if v}
            assert dict(ranking) == viewed
            counters = {p: int(self.catalog.product_fields(p, ["views"])["views"] or 0) for p in PRODUCTS}
            assert counters == self.views
            # highest first; ties by member bytes, reversed (ZRANGE … REV)
            assert ranking == sorted(ranking, key=lambda pv: (pv[1], pv[0]), reverse=True)

        @invariant()
        def recently_viewed_is_capped_deduplicated_and_newest_first(self) -> None:
            for user in USERS:
                listed = self.catalog.recently_viewed(user)
                assert len(listed) <= CAP
                assert len(set(listed)) == len(listed)
                assert listed == self.recent[user]

    try:
        run_state_machine_as_test(CatalogMachine)
    finally:
        client.close()


def test_counters_survive_heavy_concurrent_likes(redis_target: Any, ns: str) -> None:
    """Many threads like and unlike the same product: the three structures still agree."""
    client: redis.Redis = redis_target.client()
    shop = Catalog(client, namespace=ns)
    shop.put_product("hot", {"name": "Hot"})
    users_ = [f"u{i}" for i in range(40)]

    def churn(user: str) -> None:
        for _ in range(10):
            shop.like(user, "hot")
            shop.unlike(user, "hot")
        shop.like(user, "hot")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(churn, users_))
    assert shop.likers("hot") == set(users_)
    assert int(shop.product_fields("hot", ["likes"])["likes"]) == len(users_)
    assert all(shop.favorites(u) == {"hot"} for u in users_)
    client.close()
