"""A small, typed XML data binding for the KITH message standards.

Each XML complex type of a standard is declared once as a frozen-free dataclass whose fields say which
element or attribute they bind, in the order of the schema's ``sequence``::

    @xml_type(ns="mh")
    @dataclass
    class Ident:
        id: str = element("Id")
        type_id: CV = element("TypeId")

``read(Ident, elem, namespaces)`` builds the model from an lxml element and ``write(obj, "Ident",
namespaces)`` builds the element back. Namespaces are given as short keys (``"mh"``, ``"po"``,
``"fk1"``) that a :class:`Namespaces` map resolves to URIs, so that one model serves versions of a
standard that differ only in their namespace URI (PLO 1.5 and 1.6).

Field types understood: ``str``, ``int``, ``Decimal``, ``bool``, ``date``, ``datetime``, the KITH
time stamp union (``datetime | date | str``), another ``@xml_type`` dataclass, ``X | None`` for an
optional element and ``list[X]`` for a repeated one, and :data:`AnyXml` (``list[_Element]``) for an
``xs:any`` wildcard whose content is kept as XML.

Reading is strict by default: an element or attribute the model does not know raises
:class:`BindingError` naming its path, so nothing of a message is ever dropped silently.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import MISSING, dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, TypeVar

from lxml import etree

XSI = "http://www.w3.org/2001/XMLSchema-instance"
XMLNS = "http://www.w3.org/XML/1998/namespace"

T = TypeVar("T")
_Element = etree._Element
AnyXml = list[etree._Element]
"""The content of an ``xs:any`` wildcard, kept as XML elements."""


class BindingError(ValueError):
    """A document does not fit the model: names the element path and what is wrong."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True)
class Namespaces:
    """Short namespace keys of a standard version mapped to their URIs, with preferred prefixes."""

    uris: Mapping[str, str]
    prefixes: Mapping[str, str | None] = dataclasses.field(default_factory=dict)

    def uri(self, key: str) -> str:
        if key.startswith(("http:", "https:", "urn:")):
            return key
        try:
            return self.uris[key]
        except KeyError:
            raise KeyError(f"namespace key {key!r} has no URI in this standard version") from None

    def nsmap(self, keys: list[str] | None = None) -> dict[str | None, str]:
        """The prefix map to declare on a root element (every key that has a prefix entry)."""
        chosen = keys if keys is not None else list(self.prefixes)
        return {self.prefixes.get(k, k): self.uris[k] for k in chosen if k in self.uris}

    def merged(self, other: Namespaces) -> Namespaces:
        return Namespaces({**self.uris, **other.uris}, {**self.prefixes, **other.prefixes})


Kind = Literal["element", "attribute", "text", "any"]


@dataclass(frozen=True)
class XmlField:
    kind: Kind
    name: str
    ns: str | None  # namespace key; None = the owning type's namespace


def _field(kind: Kind, name: str, ns: str | None, default: Any, default_factory: Any) -> Any:
    meta = {"xml": XmlField(kind, name, ns)}
    if default_factory is not MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def element(name: str, *, ns: str | None = None, default: Any = MISSING, default_factory: Any = MISSING) -> Any:
    """Bind a field to a child element. A ``list`` field defaults to empty, an optional one to None."""
    return _field("element", name, ns, default, default_factory)


def attribute(name: str, *, ns: str | None = None, default: Any = None) -> Any:
    """Bind a field to an attribute (unqualified unless ``ns`` is given)."""
    return _field("attribute", name, ns if ns is not None else "", default, MISSING)


def text(*, default: Any = MISSING) -> Any:
    """Bind a field to the text content of the element itself (simple content)."""
    return _field("text", "", None, default, MISSING)


def any_content(name: str = "*") -> Any:
    """Bind a field to the element children matched by an ``xs:any`` wildcard, kept as XML."""
    return _field("any", name, None, MISSING, list)


def xml_type(*, ns: str) -> Callable[[type[T]], type[T]]:
    """Mark a dataclass as an XML complex type whose local elements are in namespace ``ns`` (a key)."""

    def mark(cls: type[T]) -> type[T]:
        cls.__xml_ns__ = ns  # type: ignore[attr-defined]
        return cls

    return mark


# --- introspection, cached per class -------------------------------------------------------------

@dataclass(frozen=True)
class _Slot:
    attr: str
    xml: XmlField
    many: bool
    optional: bool
    target: Any  # scalar type, a model class, or a tuple of scalar types for a union


_SCALARS: tuple[type, ...] = (str, int, Decimal, bool, date, datetime, time, float)
_cache: dict[type, tuple[_Slot, ...]] = {}


def is_model(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp) and hasattr(tp, "__xml_ns__")


def _slots(cls: type) -> tuple[_Slot, ...]:
    cached = _cache.get(cls)
    if cached is not None:
        return cached
    hints = typing.get_type_hints(cls)
    slots: list[_Slot] = []
    for f in dataclasses.fields(cls):
        meta = f.metadata.get("xml")
        if meta is None:
            continue
        tp = hints[f.name]
        many = optional = False
        origin = typing.get_origin(tp)
        if origin is list:
            many = True
            (tp,) = typing.get_args(tp)
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            optional = len(args) < len(typing.get_args(tp))
            tp = args[0] if len(args) == 1 else tuple(args)
            if typing.get_origin(tp) is list:
                many = True
                (tp,) = typing.get_args(tp)
        if meta.kind == "any":
            many = True
        slots.append(_Slot(f.name, meta, many, optional, tp))
    result = tuple(slots)
    _cache[cls] = result
    return result


def _qname(ns_key: str | None, owner_ns: str, name: str, namespaces: Namespaces) -> str:
    key = owner_ns if ns_key is None else ns_key
    if key == "":
        return name
    return f"{{{namespaces.uri(key)}}}{name}"


# --- scalar conversion ---------------------------------------------------------------------------

def parse_scalar(value: str, target: Any, path: str) -> Any:
    """Convert the lexical form of an XML Schema simple value to the Python type ``target``."""
    if isinstance(target, tuple):  # a union such as the KITH time stamp: first type that parses
        for option in target:
            try:
                return parse_scalar(value, option, path)
            except BindingError:
                continue
        raise BindingError(path, f"verdien {value!r} har ikke gyldig format")
    try:
        if target is str:
            return value
        stripped = value.strip()
        if target is bool:
            if stripped in ("true", "1"):
                return True
            if stripped in ("false", "0"):
                return False
            raise ValueError(stripped)
        if target is int:
            return int(stripped)
        if target is Decimal:
            return Decimal(stripped)
        if target is float:
            return float(stripped)
        if target is datetime:
            if "T" not in stripped:
                raise ValueError(stripped)
            return datetime.fromisoformat(stripped.replace("Z", "+00:00"))
        if target is date:
            if len(stripped) != 10:
                raise ValueError(stripped)
            return date.fromisoformat(stripped)
        if target is time:
            return time.fromisoformat(stripped.replace("Z", "+00:00"))
    except (ValueError, InvalidOperation):
        raise BindingError(path, f"verdien {value!r} har ikke gyldig format") from None
    raise TypeError(f"{path}: unsupported field type {target!r}")


def format_scalar(value: Any) -> str:
    """The XML Schema lexical form of a Python value (the inverse of :func:`parse_scalar`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        spec = "seconds" if value.microsecond == 0 else (
            "milliseconds" if value.microsecond % 1000 == 0 else "microseconds")
        return value.isoformat(timespec=spec)
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


# --- reading -------------------------------------------------------------------------------------

def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(elem: _Element) -> Iterator[_Element]:
    for child in elem:
        if isinstance(child.tag, str):  # skips comments and processing instructions
            yield child


def read(cls: type[T], elem: _Element, namespaces: Namespaces, *, strict: bool = True, path: str = "") -> T:
    """Build an instance of the model ``cls`` from ``elem``.

    With ``strict`` (the default) any child element or attribute the model does not bind raises
    :class:`BindingError`; without it they are collected into ``ignored`` paths on the reader.
    """
    return _Reader(namespaces, strict).read(cls, elem, path or "/" + _local(elem.tag))


class _Reader:
    def __init__(self, namespaces: Namespaces, strict: bool) -> None:
        self.namespaces = namespaces
        self.strict = strict
        self.ignored: list[str] = []

    def _unknown(self, path: str, what: str) -> None:
        if self.strict:
            raise BindingError(path, what)
        self.ignored.append(path)

    def read(self, cls: type[T], elem: _Element, path: str) -> T:
        owner_ns: str = cls.__xml_ns__  # type: ignore[attr-defined]
        slots = _slots(cls)
        values: dict[str, Any] = {}
        by_tag: dict[str, _Slot] = {}
        any_slot: _Slot | None = None
        seen_attrs: set[str] = set()
        for slot in slots:
            x = slot.xml
            if x.kind == "element":
                by_tag[_qname(x.ns, owner_ns, x.name, self.namespaces)] = slot
                if slot.many:
                    values[slot.attr] = []
            elif x.kind == "attribute":
                qn = _qname(x.ns, owner_ns, x.name, self.namespaces)
                seen_attrs.add(qn)
                raw = elem.get(qn)
                if raw is not None:
                    values[slot.attr] = parse_scalar(raw, slot.target, f"{path}/@{x.name}")
            elif x.kind == "text":
                raw_text = elem.text or ""
                values[slot.attr] = parse_scalar(raw_text, slot.target, path)
            else:
                any_slot = slot
                values[slot.attr] = []
        for attr_name in map(str, elem.attrib):
            if attr_name not in seen_attrs and not attr_name.startswith(f"{{{XSI}}}"):
                self._unknown(f"{path}/@{_local(attr_name)}", "attributtet er ikke kjent i denne meldingstypen")
        for child in _children(elem):
            tag = child.tag
            assert isinstance(tag, str)
            child_path = f"{path}/{_local(tag)}"
            bound = by_tag.get(tag)
            if bound is None:
                if any_slot is not None:
                    values[any_slot.attr].append(child)
                    continue
                self._unknown(child_path, "elementet er ikke kjent i denne meldingstypen")
                continue
            value = self._value(bound, child, child_path)
            if bound.many:
                values[bound.attr].append(value)
            elif bound.attr in values:
                raise BindingError(child_path, "elementet forekommer flere ganger, men er bare tillatt én gang")
            else:
                values[bound.attr] = value
        defaults = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        for slot in slots:
            if slot.attr not in values and not slot.optional and not slot.many:
                f = defaults[slot.attr]
                if f.default is MISSING and f.default_factory is MISSING:
                    kind = "attributtet" if slot.xml.kind == "attribute" else "elementet"
                    raise BindingError(f"{path}/{slot.xml.name}", f"{kind} mangler")
        return cls(**values)

    def _value(self, slot: _Slot, child: _Element, path: str) -> Any:
        if is_model(slot.target):
            return self.read(slot.target, child, path)
        if len(child) and any(isinstance(c.tag, str) for c in child):
            raise BindingError(path, "elementet skal bare inneholde tekst")
        return parse_scalar(child.text or "", slot.target, path)


# --- writing -------------------------------------------------------------------------------------

def write(obj: Any, name: str, namespaces: Namespaces, *, ns: str | None = None,
          parent: _Element | None = None, nsmap: dict[str | None, str] | None = None) -> _Element:
    """Build the element ``name`` (in namespace key ``ns``, default the model's own) for ``obj``."""
    owner_ns: str = type(obj).__xml_ns__
    tag = _qname(ns, owner_ns, name, namespaces)
    # lxml accepts None as the default namespace's prefix; lxml-stubs do not know it.
    prefixes: Any = nsmap
    elem = etree.Element(tag, nsmap=prefixes) if parent is None else etree.SubElement(parent, tag, nsmap=prefixes)
    _fill(obj, elem, namespaces)
    return elem


def _fill(obj: Any, elem: _Element, namespaces: Namespaces) -> None:
    owner_ns: str = type(obj).__xml_ns__
    for slot in _slots(type(obj)):
        value = getattr(obj, slot.attr)
        x = slot.xml
        if value is None:
            continue
        if x.kind == "attribute":
            elem.set(_qname(x.ns, owner_ns, x.name, namespaces), format_scalar(value))
        elif x.kind == "text":
            elem.text = format_scalar(value)
        elif x.kind == "any":
            for child in value:
                elem.append(_copy(child))
        else:
            for item in value if slot.many else [value]:
                tag = _qname(x.ns, owner_ns, x.name, namespaces)
                if is_model(type(item)):
                    _fill(item, etree.SubElement(elem, tag), namespaces)
                else:
                    etree.SubElement(elem, tag).text = format_scalar(item)


def _copy(child: _Element) -> _Element:
    from copy import deepcopy

    return deepcopy(child)


def canonical(elem: _Element) -> bytes:
    """Exclusive C14N of an element with whitespace-only text removed: equal when the XML says the same."""
    from copy import deepcopy

    clone = deepcopy(elem)
    for node in clone.iter():
        if node.text is not None and not node.text.strip() and len(node):
            node.text = None
        if node.tail is not None and not node.tail.strip():
            node.tail = None
    etree.cleanup_namespaces(clone)
    return etree.tostring(clone, method="c14n", exclusive=True, with_comments=False)


def same_information(a: Any, b: Any) -> bool:
    """True when two models carry the same information; wildcard XML is compared canonically."""
    if isinstance(a, etree._Element) and isinstance(b, etree._Element):
        # The tail is the text after a wildcard element in mixed content: part of the information too.
        return canonical(a) == canonical(b) and (a.tail or "").strip() == (b.tail or "").strip()
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_information(x, y) for x, y in zip(a, b, strict=True))
    if is_model(type(a)) and type(a) is type(b):
        return all(same_information(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    return bool(a == b)
