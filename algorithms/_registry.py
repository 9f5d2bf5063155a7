"""Name → class registries with wildcard listing and helpful lookup errors.

Two registries live in the package: segmenters (:data:`SEGMENTERS`) and
preprocessing filters (:data:`FILTERS`).  Both are instances of
:class:`Registry`; they are the only global mutable state of the library.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from algorithms._validation import unknown_name_message

T = TypeVar("T", bound=type)


class UnknownNameError(ValueError):
    """Raised when a registry is asked for a name it does not hold."""


class Registry(Generic[T]):
    """A case-insensitive mapping from names to classes.

    Parameters
    ----------
    kind : str
        What the registry holds, used in messages ("segmenter", "filter").
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._classes: dict[str, T] = {}
        self._aliases: dict[str, str] = {}

    def register(self, name: str, *, aliases: tuple[str, ...] = ()) -> Callable[[T], T]:
        """Class decorator registering ``cls`` under ``name`` (lower case).

        A name or alias that is already taken is an error, never a silent
        replacement: two methods under one name would make results ambiguous.
        """

        def decorator(cls: T) -> T:
            key = name.lower()
            for candidate in (key, *(a.lower() for a in aliases)):
                if candidate in self._classes or candidate in self._aliases:
                    msg = (
                        f"{self.kind} name {candidate!r} is already registered "
                        f"(by {self._resolve(candidate).__qualname__}); choose another name."
                    )
                    raise ValueError(msg)
            self._classes[key] = cls
            for alias in aliases:
                self._aliases[alias.lower()] = key
            cls.name = key
            return cls

        return decorator

    def _resolve(self, name: str) -> T:
        key = name.lower()
        key = self._aliases.get(key, key)
        return self._classes[key]

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        key = name.lower()
        return key in self._classes or key in self._aliases

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._classes))

    def __len__(self) -> int:
        return len(self._classes)

    def get_class(self, name: str) -> T:
        """The class registered under ``name`` (case-insensitive)."""
        if not isinstance(name, str):
            msg = (
                f"A {self.kind} name must be a string; got {name!r} of type {type(name).__name__}."
            )
            raise TypeError(msg)
        if name not in self:
            msg = unknown_name_message(
                self.kind, name, sorted(self._classes), aliases=self._aliases
            )
            raise UnknownNameError(msg)
        return self._resolve(name)

    def available(self, pattern: str = "*", **tags: object) -> list[str]:
        """Sorted registered names matching a shell-style ``pattern``.

        Keyword arguments filter on class attributes, e.g. ``kind="global"``.
        """
        names = sorted(self._classes)
        if pattern != "*":
            names = [n for n in names if fnmatch.fnmatch(n, pattern.lower())]
        return [
            n
            for n in names
            if all(getattr(self._classes[n], tag, None) == value for tag, value in tags.items())
        ]


SEGMENTERS: Registry = Registry("segmenter")
"""Every binary segmenter of the package, by lower-case name."""

FILTERS: Registry = Registry("filter")
"""Every preprocessing filter of the package, by lower-case name."""

register = SEGMENTERS.register
"""Class decorator: ``@register("name")`` adds a segmenter to the registry."""
