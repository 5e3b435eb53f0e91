"""The cache snapshot: a TinyDB database file written atomically, holding what was pulled from central.

Tables (TinyDB layout `{table: {doc_id: document}}`): `meta` (one document: schema, device id, cursor,
seq_through, last_seq), and `customers` (with their card uids), `loose_cards` (blocked cards and cards
of customers not cached), `earns`, `earned_per_day`, whose documents are chunks of compact rows
stored as JSON text (`{"rows": "[[...], ...]"}`), parsed one chunk at a time, so 100 000 customers never
exist as one big parse tree (whose freed holes would stay in the process's memory). `search` holds the
sorted prefix index packed per chunk (`{"keys": "<JSON array text>", "owners": "<base64 of uint32
customer row numbers>"}`), so half a million keys do not become half a million parsed objects at once.
The whole file is one JSON document, replaced in one atomic step: it is the store's commit point.
"""

from __future__ import annotations

import base64
import json
import os
import sys
from array import array
from collections.abc import Iterator
from pathlib import Path

from tinydb import TinyDB
from tinydb.storages import Storage

from device.store.fileops import FileOps
from loyalty.errors import StoreCorrupt, StoreWriteError

SCHEMA_VERSION = 1
CHUNK_ROWS = 2000
TABLES = ("customers", "loose_cards", "earns", "earned_per_day", "pool_members", "pool_balances")


class AtomicJSONStorage(Storage):
    """TinyDB storage whose `write` is temp file → fsync → rename → fsync dir, and whose `read` is strict."""

    def __init__(self, path: str | Path, fileops: FileOps | None = None, **_: object) -> None:
        super().__init__()
        self.path = Path(path)
        self._ops = fileops or FileOps()

    def read(self) -> dict | None:
        """The whole database, None if the file does not exist; StoreCorrupt if it does not parse."""
        try:
            # Read as text: the file is ASCII (see _encode), so the string costs one byte per character
            # and no bytes copy lives next to it while it is parsed.
            with open(self.path, encoding="utf-8") as handle:
                data = handle.read()
        except FileNotFoundError:
            return None
        except UnicodeDecodeError as exc:
            raise StoreCorrupt(f"cache snapshot {self.path} is damaged ({exc.reason})") from None
        if not data:
            raise StoreCorrupt(f"cache snapshot {self.path} is empty (it is never written empty)")
        try:
            document = json.loads(data)
            del data
        except ValueError as exc:
            raise StoreCorrupt(f"cache snapshot {self.path} is damaged ({exc})") from None
        if not isinstance(document, dict) or not all(isinstance(t, dict) for t in document.values()):
            raise StoreCorrupt(f"cache snapshot {self.path} is not a TinyDB database")
        return document

    def write(self, data: dict) -> None:
        """Replace the file atomically; StoreWriteError (old file intact) if the disk refuses."""
        try:
            self._ops.write_atomic(self.path, _encode(data))
        except OSError as exc:
            reason = "disk full" if exc.errno == 28 else f"write error ({exc.strerror or exc})"
            raise StoreWriteError(f"{reason}: the pulled data was not saved; the previous cache is intact") from exc

    def close(self) -> None:
        """Nothing is held open between reads and writes."""


def _encode(data: dict) -> Iterator[bytes]:
    """The database as JSON, one document at a time, so no single huge string is built."""
    # ASCII only: one accented name would otherwise make the whole text two bytes per character on read.
    dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True).encode
    yield b"{"
    for t, (table, documents) in enumerate(data.items()):
        yield (("," if t else "") + dumps(table) + ":{").encode()
        for d, (doc_id, document) in enumerate(documents.items()):
            yield (("," if d else "") + dumps(str(doc_id)) + ":" + dumps(document)).encode("ascii")
        yield b"}"
    yield b"}"


def open_database(path: Path, fileops: FileOps | None = None) -> TinyDB:
    """A TinyDB handle on the snapshot file (for inspection tools and tests)."""
    return TinyDB(path, storage=AtomicJSONStorage, fileops=fileops)


def build_document(meta: dict, tables: dict[str, list[list]], search_keys: list[str], search_rows: list[int]) -> dict:
    """The TinyDB document for a snapshot: meta, each table's rows in chunks, the packed search index."""
    document: dict[str, dict] = {"meta": {"1": dict(meta, schema=SCHEMA_VERSION)}}
    for name in TABLES:
        rows = tables.get(name, [])
        document[name] = {
            str(n + 1): {"rows": _dumps(rows[i : i + CHUNK_ROWS])}
            for n, i in enumerate(range(0, len(rows), CHUNK_ROWS))
        }
    chunk = CHUNK_ROWS * 5
    document["search"] = {
        str(n + 1): {"keys": _dumps(search_keys[i : i + chunk]), "owners": _pack(search_rows[i : i + chunk])}
        for n, i in enumerate(range(0, len(search_keys), chunk))
    }
    return document


def _dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def _pack(numbers: list[int]) -> str:
    packed = array("I", numbers)
    if sys.byteorder != "little":
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode("ascii")


def _unpack(text: str) -> array:
    packed = array("I")
    packed.frombytes(base64.b64decode(text, validate=True))
    if sys.byteorder != "little":
        packed.byteswap()
    return packed


def search_size(chunks: dict) -> int:
    """How many entries the packed search index holds, from the length of its packed owners."""
    total = 0
    for doc in chunks.values():
        text = doc["owners"]
        total += (len(text) * 3 // 4 - text[-2:].count("=")) // 4
    return total


def iter_search_chunks(chunks: dict) -> Iterator[tuple[list[str], array]]:
    """The packed search index chunk by chunk: (keys, customer row numbers)."""
    for doc_id in sorted(chunks, key=int):
        doc = chunks[doc_id]
        keys, owners = json.loads(doc["keys"]), _unpack(doc["owners"])
        if not isinstance(keys, list) or len(keys) != len(owners):
            raise ValueError("search chunk keys and owners differ in length")
        yield keys, owners


def _iter_rows(chunks: dict) -> Iterator[list]:
    """A table's rows, one chunk parsed at a time: the parse tree of a chunk is freed before the next."""
    for doc_id in sorted(chunks, key=int):
        rows = json.loads(chunks.pop(doc_id)["rows"])
        if not isinstance(rows, list):
            raise TypeError("a chunk of rows must be a list")
        yield from rows


def read_document(storage: AtomicJSONStorage) -> tuple[dict, dict[str, Iterator[list]], dict] | None:
    """Meta, each table's rows (parsed lazily, chunk by chunk) and the packed search chunks.

    None if the file is absent; StoreCorrupt if it is damaged (a damaged chunk raises ValueError, TypeError
    or KeyError while its rows are read, which the caller reports as damage too).
    """
    document = storage.read()
    if document is None:
        return None
    try:
        meta = document["meta"]["1"]
        if meta.get("schema") != SCHEMA_VERSION:
            raise StoreCorrupt(
                f"cache snapshot {storage.path} has schema version {meta.get('schema')!r}, expected {SCHEMA_VERSION}"
            )
        tables = {name: _iter_rows(document.pop(name, {})) for name in TABLES}
        search = document.pop("search", {})
        if not isinstance(search, dict):
            raise TypeError("search table")
    except StoreCorrupt:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StoreCorrupt(f"cache snapshot {storage.path} is malformed ({exc!r})") from None
    return meta, tables, search


def remove_temp(path: Path) -> None:
    """Remove a temp file left by a write cut short (by a crash)."""
    try:
        os.unlink(path.with_name(path.name + ".tmp"))
    except FileNotFoundError:
        pass
