"""Reference canonicalizer for kyso's differential tests, backed by lxml (libxml2).

Reads one JSON object from standard input:

    {"cases": [{"xml": str,
                "target": null | int,   # index of an element in document order, or null
                "exclusive": bool,
                "with_comments": bool,
                "prefixes": null | [str]}]}   # InclusiveNamespaces PrefixList tokens

and writes {"results": [{"hex": str} | {"error": str}]} to standard output, one result per
case, in order.

A null target canonicalizes the whole document. An element target is canonicalized with
lxml's element serializer, which treats the element as the root of a document that keeps
the namespace declarations of its ancestors: the element is serialized on its own (lxml
writes every namespace in scope on it) and that document is canonicalized. That is the
XMLDSig subtree node-set, except for one rule of Canonical XML 1.0 section 2.4: the apex of
a document subset also receives the nearest xml:* attributes of its ancestors that it does
not carry itself. For the inclusive method this script adds those attributes to the apex;
it is the only adjustment.
"""

import json
import sys

from lxml import etree

XML_NS = "{http://www.w3.org/XML/1998/namespace}"


def canonicalize(case):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.fromstring(case["xml"].encode("utf-8"), parser)
    options = {
        "method": "c14n",
        "exclusive": case["exclusive"],
        "with_comments": case["with_comments"],
    }
    if case.get("prefixes") is not None:
        options["inclusive_ns_prefixes"] = case["prefixes"]
    target = case.get("target")
    if target is None:
        return etree.tostring(root.getroottree(), **options)
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    element = elements[target]
    inherited = {}
    if not case["exclusive"]:
        for ancestor in element.iterancestors():
            for name, value in ancestor.attrib.items():
                if name.startswith(XML_NS) and name not in element.attrib:
                    inherited.setdefault(name, value)
    # lxml's own element canonicalization goes wrong (spurious xmlns="") when the document
    # has nodes outside the document element or attributes are added. Serialize the element
    # alone, which writes every namespace in scope on it, and canonicalize that document.
    fragment = etree.fromstring(
        etree.tostring(element, encoding="UTF-8", with_tail=False), parser
    )
    for name, value in inherited.items():
        fragment.set(name, value)
    return etree.tostring(fragment.getroottree(), **options)


def main():
    request = json.load(sys.stdin)
    results = []
    for case in request["cases"]:
        try:
            results.append({"hex": canonicalize(case).hex()})
        except Exception as e:  # reported per case; the Rust side decides
            results.append({"error": "%s: %s" % (type(e).__name__, e)})
    json.dump({"results": results}, sys.stdout)


if __name__ == "__main__":
    main()
