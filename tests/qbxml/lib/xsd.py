"""Just enough of an XSD reader to ask Intuit's schema the questions the tests ask.

lxml validates documents but cannot answer "what is the maxLength of VendorAdd/VendorAddress/Addr1";
this walks the schema's declarations (global elements, named types, groups) to find out.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from lxml import etree

XS = "{http://www.w3.org/2001/XMLSchema}"
_FILES = ("qbxmltypes{v}.xsd", "qbxml{v}.xsd", "qbxmlops{v}.xsd", "qbxmlso{v}.xsd")


class SchemaIndex:
    def __init__(self, directory: Path, version: str):
        short = version.replace(".", "")
        self.elements: dict[str, etree._Element] = {}
        self.types: dict[str, etree._Element] = {}
        self.groups: dict[str, etree._Element] = {}
        self.simple_types: dict[str, etree._Element] = {}
        self.documents = [etree.parse(str(directory / name.format(v=short))) for name in _FILES]
        for document in self.documents:
            for node in document.getroot():
                name = node.get("name")
                if node.tag == XS + "element":
                    self.elements[name] = node
                elif node.tag == XS + "complexType":
                    self.types[name] = node
                elif node.tag == XS + "group":
                    self.groups[name] = node
                elif node.tag == XS + "simpleType":
                    self.simple_types[name] = node

    def _declaration(self, node: etree._Element) -> etree._Element:
        ref = node.get("ref")
        return self.elements[ref] if ref else node

    def _complex_type(self, declaration: etree._Element) -> etree._Element | None:
        inline = declaration.find(XS + "complexType")
        if inline is not None:
            return inline
        return self.types.get(declaration.get("type") or "")

    def children(self, declaration: etree._Element) -> dict[str, etree._Element]:
        """Child element declarations by name, through sequences, choices and groups."""
        found: dict[str, etree._Element] = {}
        content = self._complex_type(declaration)
        if content is not None:
            self._collect(content, found)
        return found

    def _collect(self, node: etree._Element, found: dict[str, etree._Element]) -> None:
        for child in node:
            if child.tag == XS + "element":
                declaration = self._declaration(child)
                found.setdefault(child.get("name") or child.get("ref"), declaration)
            elif child.tag == XS + "group":
                self._collect(self.groups[child.get("ref")], found)
            elif child.tag in (XS + "sequence", XS + "choice", XS + "all", XS + "complexContent", XS + "extension"):
                self._collect(child, found)

    def find(self, path: str) -> etree._Element:
        """The declaration at "Global/Child/Grandchild"; the first step may also be a complexType name."""
        first, *rest = path.split("/")
        node = self.elements.get(first)
        if node is None:
            node = etree.Element(XS + "element", type=first)
        for step in rest:
            children = self.children(node)
            if step not in children:
                raise KeyError(f"{path}: no {step!r} under {node.get('name') or node.get('type')}")
            node = children[step]
        return node

    def max_length(self, path: str) -> int | None:
        node = self.find(path)
        for restriction in node.iter(XS + "restriction"):
            for facet in restriction.iter(XS + "maxLength"):
                return int(facet.get("value"))
        named = self.simple_types.get(node.get("type") or "")
        if named is not None:
            for facet in named.iter(XS + "maxLength"):
                return int(facet.get("value"))
        return None

    def simple_type_of_names(self) -> dict[str, set[str]]:
        """Every element name in the schema and the simple type(s) it is declared with."""
        names: dict[str, set[str]] = defaultdict(set)
        for document in self.documents:
            for node in document.iter(XS + "element"):
                name = node.get("name")
                if not name:
                    continue
                kind = node.get("type")
                if not kind:
                    restriction = node.find(f"{XS}simpleType/{XS}restriction")
                    kind = restriction.get("base") if restriction is not None else "complex"
                names[name].add(kind)
        return names

    def amount_pattern(self) -> str:
        pattern = self.simple_types["AMTTYPE"].find(f"{XS}restriction/{XS}pattern")
        return pattern.get("value")
