"""Faster construction of frozen dataclass records (Deadline, TriggerEvent, ...) on hot paths.

A frozen dataclass's generated `__init__` sets each field with
`__dataclass_builtins_object__.__setattr__(self, name, value)`: a global look-up, an attribute
look-up and a call per field. `builder(cls)` generates, the way `dataclasses` itself does, a function
with the same parameters that calls one local `object.__setattr__` per field. Fields are still set one
by one, on purpose: filling `__dict__` in one step was faster to build but gave every record its own
dict (2.4x the memory of Python 3.11's shared-key instance values) and slower attribute reads.
For a record with `__slots__` (Deadline, issue 13) there is no dict to share: `builder` stores each field
into an instance of a twin class with the same slots and no frozen `__setattr__` (a plain attribute
store, which the interpreter specialises, instead of a call), then gives the record its own class. The two
classes have the same layout, so the record is the one the constructor would have made.
The record cannot be told apart from the constructor's (fields and their order, defaults, ==, hash,
repr, pickling): tests/unit/engine/test_records.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, fields, is_dataclass
from typing import Any, TypeVar

T = TypeVar("T")


def builder(cls: type[T]) -> Callable[..., T]:
    """A constructor equal to `cls(...)` (same parameters and defaults) that skips the dataclass
    `__init__`; `cls` itself when the class does anything setting the fields alone would miss
    (`__post_init__`, default factories, init=False or keyword-only fields, slots beyond its fields)
    or is not frozen."""
    if (not is_dataclass(cls) or hasattr(cls, "__post_init__")
            or not cls.__dataclass_params__.frozen):  # type: ignore[attr-defined]
        return cls
    found = fields(cls)
    if any(f.default_factory is not MISSING or not f.init or f.kw_only for f in found):
        return cls
    names = [f.name for f in found]
    if any(not n.isidentifier() or n.startswith("_") for n in names):
        return cls
    params = ", ".join(n if f.default is MISSING else f"{n}=_d_{n}" for n, f in zip(names, found, strict=True))
    space: dict[str, Any] = {f"_d_{f.name}": f.default for f in found if f.default is not MISSING}
    space.update(_cls=cls, _new=object.__new__, _set=object.__setattr__)
    slots = vars(cls).get("__slots__")
    if slots is not None:
        if tuple(slots) != tuple(names) or cls.__bases__ != (object,):
            return cls  # a layout the twin would not match (extra slots, a base class with its own)
        space["_twin"] = type(f"_{cls.__name__}Twin", (), {"__slots__": tuple(names)})
        sets = "".join(f"    _obj.{n} = {n}\n" for n in names)
        source = f"def build({params}):\n    _obj = _new(_twin)\n{sets}    _obj.__class__ = _cls\n    return _obj\n"
    else:
        sets = "".join(f"    _set(_obj, {n!r}, {n})\n" for n in names)
        source = f"def build({params}):\n    _obj = _new(_cls)\n{sets}    return _obj\n"
    exec(source, space)  # noqa: S102 - generated from the dataclass's own field names, as dataclasses does
    build: Callable[..., T] = space["build"]
    build.__doc__ = f"A {cls.__name__}, built without its dataclass __init__ (daemon.engine.records)."
    build.__qualname__ = build.__name__ = f"build_{cls.__name__}"
    return build
