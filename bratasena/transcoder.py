"""The event store's transcoder: the library's JSON format, written and read with orjson.

Every stored event's state is JSON in the format of eventsourcing 9.5.6's `JSONTranscoder`
(compact, UTF-8, a registered type as ``{"_type_": name, "_data_": ...}``: ``uuid_hex``,
``datetime_iso``, ``decimal_str``, ``date_iso``). `OrjsonTranscoder` writes and reads that very
format, only faster, so a store keeps one format whichever transcoder wrote each event:

* what it writes, the library's transcoder reads back to the same values (and the bytes are the
  library's own, but for a float written in exponent form: ``1e-7`` where the library writes
  ``1e-07``, the same number);
* what the library wrote, it reads back to the same values, the same types included.

orjson itself would write a UUID or a datetime as a plain string, read back as a string. So the
state is first copied into plain JSON values with every registered type tagged, as the library's
encoder tags it, then handed to orjson; on reading, the tagged objects are turned back, innermost
first, as the library's ``object_hook`` does. Whatever the fast path cannot promise to handle
exactly as the library does goes to the library's own code instead: on writing, a float that is
not finite, a dict key that is not a plain string, an integer past 64 bits, an unregistered
type (which then fails as it always did); on reading, a number past 2**63 either way (orjson
reads an integer past 64 bits as a float, where the library keeps it whole) and whatever orjson
refuses (``NaN``, ``1e400``, a lone surrogate).
"""

from __future__ import annotations

import math
from typing import Any, Final

import orjson
from eventsourcing.persistence import JSONTranscoder, TranscodingNotRegisteredError

_PLAIN: Final = frozenset({str, int, bool, type(None)})
"""Types orjson writes exactly as the library's encoder does, passed through untouched."""

_KEYS: Final = frozenset({str})
"""The only key type the fast path writes (orjson refuses others; the library converts some)."""

_BIG: Final = float(2**63)
"""orjson reads an integer as a float from here on (either way); the library keeps it whole."""


class _NotPlain(Exception):
    """A value the fast path leaves to the library's encoder."""


class OrjsonTranscoder(JSONTranscoder):
    """The library's JSON transcoder, its format unchanged, encoding and decoding with orjson.

    Transcodings are registered as with the library's (`Application.register_transcodings`);
    each tagged value is found by its exact type, as the library's encoder finds it.
    """

    def encode(self, obj: Any) -> bytes:
        try:
            return orjson.dumps(self._tagged(obj))
        except (_NotPlain, orjson.JSONEncodeError, RecursionError):
            return super().encode(obj)

    def decode(self, data: bytes) -> Any:
        try:
            return self._untagged(orjson.loads(data))
        except (_NotPlain, orjson.JSONDecodeError):
            return super().decode(data)

    def _tagged(self, obj: Any) -> Any:
        """``obj`` as plain JSON values, each registered type replaced by its tagged form.

        Follows the order in which the library's encoder (the stdlib's C encoder) decides: strings,
        integers, floats, lists and tuples, dicts (subclasses included, written as their base
        type), and only then a registered transcoding, looked up by exact type.
        """
        kind = type(obj)
        if kind in _PLAIN:
            return obj
        if kind is dict:
            return self._tagged_dict(obj)
        if kind is list or kind is tuple:
            if _PLAIN.issuperset(map(type, obj)):
                return obj  # as it is: orjson writes a tuple as the library does, as an array
            return [v if type(v) in _PLAIN else self._tagged(v) for v in obj]
        if isinstance(obj, str):
            return str.__str__(obj)  # a StrEnum is written as its text
        if isinstance(obj, int):
            return int.__int__(obj)
        if isinstance(obj, float):
            if not math.isfinite(obj):
                raise _NotPlain  # the library writes NaN and Infinity, which orjson does not
            return float.__float__(obj)
        if isinstance(obj, (list, tuple)):
            return [self._tagged(v) for v in obj]
        if isinstance(obj, dict):
            return self._tagged_dict(obj)
        transcoding = self.types.get(kind)
        if transcoding is None:
            raise _NotPlain
        data = transcoding.encode(obj)
        if type(data) is not str:  # a UUID's or a time's is; others are walked in turn
            data = self._tagged(data)
        return {"_type_": transcoding.name, "_data_": data}

    def _tagged_dict(self, obj: dict[Any, Any]) -> dict[str, Any]:
        # The checks of whole key and value sets run in C: most nested dicts are plain, and are
        # handed to orjson as they are.
        if not _KEYS.issuperset(map(type, obj)):
            raise _NotPlain  # the library turns numbers, booleans and None into key strings
        if _PLAIN.issuperset(map(type, obj.values())):
            return obj
        return {k: v if type(v) in _PLAIN else self._tagged(v) for k, v in obj.items()}

    def _untagged(self, obj: Any) -> Any:
        """``obj`` (fresh from orjson, changed in place) with each tagged object decoded,
        innermost first, as the library's ``object_hook`` decodes it.

        Raises `_NotPlain` at a float that may have been a long integer in the text.
        """
        kind = type(obj)
        if kind is dict:
            for key, value in obj.items():
                kind = type(value)
                if kind is dict:
                    obj[key] = self._decoded_dict(value)
                elif kind is list:
                    obj[key] = self._untagged(value)
                elif kind is float and not -_BIG < value < _BIG:
                    raise _NotPlain
            if len(obj) == 2 and "_type_" in obj and "_data_" in obj:
                return self._decoded(obj["_type_"], obj["_data_"])
        elif kind is list:
            for index, value in enumerate(obj):
                kind = type(value)
                if kind is dict or kind is list:
                    obj[index] = self._untagged(value)
                elif kind is float and not -_BIG < value < _BIG:
                    raise _NotPlain
        elif kind is float and not -_BIG < obj < _BIG:
            raise _NotPlain
        return obj

    def _decoded_dict(self, obj: dict[str, Any]) -> Any:
        """A nested object: most are one tagged value with its data a string (a UUID, a time),
        decoded here directly as the shortest way; any other is walked."""
        if len(obj) == 2 and type(obj.get("_data_")) is str and "_type_" in obj:
            return self._decoded(obj["_type_"], obj["_data_"])
        return self._untagged(obj)

    def _decoded(self, name: Any, data: Any) -> Any:
        try:
            transcoding = self.names[name]
        except KeyError as error:
            raise TranscodingNotRegisteredError(
                f"Data serialized with name '{name}' is not deserializable. "
                "Please register a custom transcoding for this type."
            ) from error
        return transcoding.decode(data)
