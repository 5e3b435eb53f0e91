"""A sorted (key, owner) index for prefix search: two parallel lists searched with bisect."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator


class PrefixIndex:
    """Keys sorted with their owners (customer ids); a prefix is a contiguous range found by bisect."""

    __slots__ = ("keys", "owners")

    def __init__(self, keys: list[str] | None = None, owners: list[str] | None = None) -> None:
        self.keys: list[str] = keys if keys is not None else []
        self.owners: list[str] = owners if owners is not None else []

    @classmethod
    def build(cls, pairs: Iterable[tuple[str, str]]) -> PrefixIndex:
        ordered = sorted(pairs)
        return cls([k for k, _ in ordered], [o for _, o in ordered])

    def __len__(self) -> int:
        return len(self.keys)

    def _slot(self, key: str, owner: str) -> tuple[int, bool]:
        lo = bisect_left(self.keys, key)
        hi = bisect_right(self.keys, key, lo)
        i = bisect_left(self.owners, owner, lo, hi)
        return i, i < hi and self.owners[i] == owner

    def add(self, key: str, owner: str) -> None:
        i, present = self._slot(key, owner)
        if not present:
            self.keys.insert(i, key)
            self.owners.insert(i, owner)

    def discard(self, key: str, owner: str) -> None:
        i, present = self._slot(key, owner)
        if present:
            del self.keys[i]
            del self.owners[i]

    def prefix(self, text: str) -> Iterator[tuple[str, str]]:
        """(key, owner) pairs whose key starts with `text`, in (key, owner) order."""
        keys, owners = self.keys, self.owners
        i = bisect_left(keys, text)
        end = len(keys)
        while i < end and keys[i].startswith(text):
            yield keys[i], owners[i]
            i += 1
