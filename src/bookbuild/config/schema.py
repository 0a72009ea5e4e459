"""Turn a TOML table into a frozen dataclass, checked against the options the dataclass declares.

An option is a dataclass field declared with :func:`option`: its name (the
attribute; book.toml spells it with hyphens), its type (the annotation), its
default, the values it allows and the sentence that documents it.  Reading,
the located errors and the README's reference all come from that one
declaration.  The types an option may have:

==========================  =====================================================
``str``                     a string, perhaps one of ``choices``
``tuple[str, ...]``         a list of strings, each perhaps one of ``choices``
``bool``, ``int``           true or false; a whole number
``float``                   a number (whole or not)
``Length``                  a string such as ``"3mm"``, read as millimetres
``IsoDate``                 a TOML date, or a string ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``
a dataclass                 a table whose keys are that dataclass's options
``Mapping[str, dataclass]`` named tables (``[editions.NAME]``), each such a table
``T | None``                as T; None when the key is left out
==========================  =====================================================
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType, NoneType, UnionType
from typing import Any, ClassVar, NewType

from ..errors import Diagnostics, SourceLocation, closest

Length = NewType("Length", float)  # millimetres
IsoDate = NewType("IsoDate", str)  # "2024", "2024-05" or "2024-05-17"

# Units a length may have, in millimetres.
LENGTH_UNITS = {"mm": 1.0, "cm": 10.0, "in": 25.4, "pt": 25.4 / 72}


@dataclass(frozen=True)
class Table:
    """A table of a settings file read into a dataclass: its options, and which of them the file set."""

    NAME: ClassVar[str] = ""  # "print" for [print]; the file's name for its top level ("book.toml")
    UNKNOWN_KEY_HINT: ClassVar[str] = "see the README for the keys of book.toml"

    given: frozenset[str] = dataclasses.field(default=frozenset(), compare=False, repr=False)  # attributes


@dataclass(frozen=True)
class OptionInfo:
    """What :func:`option` records of one option besides its name, type and default."""

    doc: str
    choices: tuple[str, ...] = ()
    default_doc: str = ""  # the default in words, where the value alone does not say it ("the build date")
    one_or_list: bool = False  # a list of strings that may also be written as one string
    key: str = ""  # the key in the file, where it is not the attribute's name with hyphens ("class")


def option(default: Any, doc: str, *, choices: tuple[str, ...] = (), default_doc: str = "",
           one_or_list: bool = False, key: str = "", default_factory: Callable[[], Any] | None = None) -> Any:
    """Declare one option of a table: a dataclass field carrying its documentation."""
    info = OptionInfo(doc, tuple(choices), default_doc, one_or_list, key)
    if default_factory is not None:
        return dataclasses.field(default_factory=default_factory, metadata={"option": info})
    return dataclasses.field(default=default, metadata={"option": info})


@dataclass(frozen=True)
class Option:
    """One declared option: where it lives and what it takes."""

    key: str  # as book.toml spells it: "paper-size"
    attribute: str  # as Python spells it: "paper_size"
    type: Any  # the annotation, with "| None" taken off
    optional: bool  # "| None": left out, the value is None
    default: Any
    info: OptionInfo

    @property
    def doc(self) -> str:
        return self.info.doc

    @property
    def choices(self) -> tuple[str, ...]:
        return self.info.choices

    @property
    def table(self) -> type | None:
        """The dataclass of a table option (one table or named tables), else None."""
        if _is_table(self.type):
            return self.type
        if typing.get_origin(self.type) in (Mapping, dict, MappingProxyType):
            return typing.get_args(self.type)[1]
        return None

    @property
    def named_tables(self) -> bool:
        return typing.get_origin(self.type) in (Mapping, dict, MappingProxyType)


def key_of(attribute: str) -> str:
    return attribute.replace("_", "-")


def attribute_name(key: str) -> str:
    return key.replace("-", "_")


def options_of(table: type) -> tuple[Option, ...]:
    """The options a dataclass declares, in order (fields without :func:`option` are not options)."""
    cached = _OPTIONS_CACHE.get(table)
    if cached is not None:
        return cached
    hints = typing.get_type_hints(table)
    found = []
    for item in dataclasses.fields(table):
        info = item.metadata.get("option")
        if info is None:
            continue
        kind, optional = _unwrap_optional(hints[item.name])
        default = item.default
        if item.default_factory is not dataclasses.MISSING:
            default = item.default_factory()
        found.append(Option(info.key or key_of(item.name), item.name, kind, optional, default, info))
    result = tuple(found)
    _OPTIONS_CACHE[table] = result
    return result


_OPTIONS_CACHE: dict[type, tuple[Option, ...]] = {}


def _unwrap_optional(hint: Any) -> tuple[Any, bool]:
    if isinstance(hint, UnionType) or typing.get_origin(hint) is typing.Union:
        args = [arg for arg in typing.get_args(hint) if arg is not NoneType]
        if len(args) == 1:
            return args[0], True
    return hint, False


def _is_table(kind: Any) -> bool:
    return isinstance(kind, type) and dataclasses.is_dataclass(kind)


# --------------------------------------------------------------------------- converters, one per type


class Invalid(Exception):
    """A value an option does not take: one or more (message, hint) pairs."""

    def __init__(self, *problems: tuple[str, str | None]):
        super().__init__(problems[0][0])
        self.problems = problems


TYPE_NAMES: dict[Any, str] = {str: "a string", tuple[str, ...]: "a list of strings", IsoDate: "a date (YYYY-MM-DD)",
                              bool: "true or false", int: "a whole number", float: "a number",
                              Length: 'a length such as "3mm"'}


def type_name(option: Option) -> str:
    """The type of *option* as an error message names it ("a list of strings")."""
    if option.named_tables:
        return "a table of tables"
    if option.table is not None:
        return "a table"
    return TYPE_NAMES[option.type]


def _wrong_type(option: Option, value: Any) -> Invalid:
    return Invalid((f"'{option.key}' must be {type_name(option)}, not {toml_type_name(value)}", None))


def _to_str(option: Option, value: Any) -> str:
    if not isinstance(value, str):
        raise _wrong_type(option, value)
    if option.choices and value not in option.choices:
        raise Invalid((f"'{option.key}' must be one of {', '.join(option.choices)}, not '{value}'", None))
    return value


def _to_strings(option: Option, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) and option.info.one_or_list:
        return (value,)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _wrong_type(option, value)
    unknown = [item for item in value if option.choices and item not in option.choices]
    if unknown:
        hint = "use one of: " + ", ".join(option.choices)
        raise Invalid(*[(f"'{option.key}' has an unknown value '{item}'", hint) for item in unknown])
    return tuple(value)


def _to_bool(option: Option, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _wrong_type(option, value)
    return value


def _to_int(option: Option, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong_type(option, value)
    return value


def _to_number(option: Option, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong_type(option, value)
    return value


def _to_length(option: Option, value: Any) -> float:
    if not isinstance(value, str):
        raise _wrong_type(option, value)
    millimetres = parse_length(value)
    if millimetres is None:
        raise Invalid((f"'{option.key}' must be a length such as \"3mm\", not '{value}'",
                       "write a number and a unit: mm, cm, in or pt"))
    return millimetres


def _to_date(option: Option, value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
        return value
    raise _wrong_type(option, value)


CONVERTERS: dict[Any, Callable[[Option, Any], Any]] = {
    str: _to_str, tuple[str, ...]: _to_strings, bool: _to_bool, int: _to_int, float: _to_number,
    Length: _to_length, IsoDate: _to_date,
}


def parse_length(text: str) -> float | None:
    """A length such as '0.1mm', '3 mm' or '0.125in' in millimetres; None if it is not one."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]+)\s*", text)
    if not match or match[2] not in LENGTH_UNITS:
        return None
    return float(match[1]) * LENGTH_UNITS[match[2]]


def toml_type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return "a date"
    return type(value).__name__


# --------------------------------------------------------------------------- reading a table


@dataclass
class TableReader:
    """Reads the tables of one TOML file: where its keys are (for the errors), and the problems found."""

    locations: Mapping[str, SourceLocation]
    source: SourceLocation
    diagnostics: Diagnostics

    def values(self, data: Mapping[str, Any], table: type, prefix: str = "") -> dict[str, Any]:
        """The attribute values *data* gives for the options of *table* (a wrong value is left out and reported);
        *prefix* is the dotted name of the table ("print."), "" for the top level."""
        by_key = {option.key: option for option in options_of(table)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            where = self.locations.get(prefix + key, self.locations.get(prefix.rstrip("."), self.source))
            option = by_key.get(key)
            if option is None:
                hint = closest(key, by_key)
                place = f"[{prefix.rstrip('.')}]" if prefix else getattr(table, "NAME", "book.toml")
                self.diagnostics.error(where, f"unknown key '{key}' in {place}",
                                       hint=f"did you mean '{hint}'?" if hint else
                                       getattr(table, "UNKNOWN_KEY_HINT", Table.UNKNOWN_KEY_HINT))
                continue
            try:
                values[option.attribute] = self._convert(option, value, prefix + key)
            except Invalid as invalid:
                for message, hint in invalid.problems:
                    self.diagnostics.error(where, message, hint=hint)
        return values

    def table(self, data: Mapping[str, Any], table: type, prefix: str = "") -> Any:
        """*data* read into the dataclass *table*, defaults filled in (and, for a :class:`Table`, the
        attributes set)."""
        values = self.values(data, table, prefix)
        if issubclass(table, Table):
            return table(**values, given=frozenset(values))
        return table(**values)

    def _convert(self, option: Option, value: Any, dotted: str) -> Any:
        inner = option.table
        if inner is None:
            return CONVERTERS[option.type](option, value)
        if option.named_tables:
            if not isinstance(value, dict) or not all(isinstance(item, dict) for item in value.values()):
                raise _wrong_type(option, value)
            return MappingProxyType({name: self.table(item, inner, f"{dotted}.{name}.")
                                     for name, item in value.items()})
        if not isinstance(value, dict):
            raise _wrong_type(option, value)
        return self.table(value, inner, dotted + ".")


