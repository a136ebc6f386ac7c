"""Shared rules for building keys.  Each component owns its schema in its own ``keys.py``.

Two rules keep every schema cluster-ready and safe:

* identifiers are validated before they reach a key (:func:`validate_id`, :func:`validate_namespace`
  in :mod:`redisbehaviors.validation`, re-exported here), so that no input can change the schema
  (``{`` and ``}`` would move the hash tag, whitespace and ``:`` would blur the separators);
* keys that one command or script touches together share a hash tag ``{…}``, so that they
  land in one cluster slot (only the text between the first ``{`` and the next ``}`` is hashed).
"""

from __future__ import annotations

from redisbehaviors.validation import MAX_ID_LENGTH, validate_count, validate_id, validate_namespace

__all__ = ["MAX_ID_LENGTH", "tagged", "validate_count", "validate_id", "validate_namespace"]


def tagged(namespace: str, tag: str, *parts: str) -> str:
    """``tagged("shop", "p:42", "card")`` -> ``"shop:{p:42}:card"``."""
    return ":".join([namespace, f"{{{tag}}}", *parts])
