"""Fundamentals: a shop catalog with counters, likes/favorites, recently viewed and discovery."""

from redisbehaviors.catalog.aio import AsyncCatalog
from redisbehaviors.catalog.catalog import Catalog, LikeResult, ProductCard
from redisbehaviors.catalog.keys import CatalogKeys

__all__ = ["AsyncCatalog", "Catalog", "CatalogKeys", "LikeResult", "ProductCard"]
