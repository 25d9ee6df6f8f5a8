//! The examples of Canonical XML 1.0 (W3C REC 2001-03-15, §3) and Canonical XML 1.1
//! (W3C REC 2008-05-02, §3 and §2.4), with their expected canonical forms written out by
//! hand. Each runs under both versions: for whole documents they agree, for document subsets
//! they differ only in `xml:*` attribute handling.
//!
//! kyso processes no DTD, so the examples' document type declarations are removed. Where a
//! DTD supplied an attribute default or an attribute type, the adaptation is said next to
//! the example.

use kyso::Limits;
use kyso::xml::c14n::{C14nMethod, Canonicalizer, SetNode};
use kyso::xml::roxmltree::Node;
use kyso::xml::{IdAttributes, XmlDocument, namespace_of};

const INCLUSIVE: [C14nMethod; 2] = [C14nMethod::Inclusive10, C14nMethod::Inclusive11];
const INCLUSIVE_WITH_COMMENTS: [C14nMethod; 2] = [
    C14nMethod::Inclusive10WithComments,
    C14nMethod::Inclusive11WithComments,
];

fn whole(method: C14nMethod, xml: &str) -> String {
    let doc = XmlDocument::parse(xml, &Limits::default(), &IdAttributes::default()).unwrap();
    let out = Canonicalizer::new(method)
        .document_to_vec(doc.doc())
        .unwrap();
    String::from_utf8(out).unwrap()
}

/// §3.1 PIs, Comments, and Outside of Document Element (the DOCTYPE line removed).
#[test]
fn pis_comments_and_outside_of_document_element() {
    let input = "<?xml version=\"1.0\"?>\n\
                 \n\
                 <?xml-stylesheet   href=\"doc.xsl\"\n   type=\"text/xsl\"   ?>\n\
                 \n\
                 <doc>Hello, world!<!-- Comment 1 --></doc>\n\
                 \n\
                 <?pi-without-data     ?>\n\
                 \n\
                 <!-- Comment 2 -->\n\
                 \n\
                 <!-- Comment 3 -->\n";
    let without = "<?xml-stylesheet href=\"doc.xsl\"\n   type=\"text/xsl\"   ?>\n\
                   <doc>Hello, world!</doc>\n\
                   <?pi-without-data?>";
    let with = "<?xml-stylesheet href=\"doc.xsl\"\n   type=\"text/xsl\"   ?>\n\
                <doc>Hello, world!<!-- Comment 1 --></doc>\n\
                <?pi-without-data?>\n\
                <!-- Comment 2 -->\n\
                <!-- Comment 3 -->";
    for m in INCLUSIVE {
        assert_eq!(whole(m, input), without, "{m:?}");
    }
    for m in INCLUSIVE_WITH_COMMENTS {
        assert_eq!(whole(m, input), with, "{m:?}");
    }
}

/// §3.2 Whitespace in Document Content: kept as is.
#[test]
fn whitespace_in_document_content() {
    let doc = "<doc>\n   <clean>   </clean>\n   <dirty>   A   B   </dirty>\n   <mixed>\n      A\n      <clean>   </clean>\n      B\n      <dirty>   A   B   </dirty>\n      C\n   </mixed>\n</doc>";
    for m in INCLUSIVE {
        assert_eq!(whole(m, doc), doc, "{m:?}");
    }
}

/// §3.3 Start and End Tags. Without the DTD, e9 gets no defaulted `attr="default"`.
#[test]
fn start_and_end_tags() {
    let input = r#"<doc>
   <e1   />
   <e2   ></e2>
   <e3   name = "elem3"   id="elem3"   />
   <e4   name="elem4"   id="elem4"   ></e4>
   <e5 a:attr="out" b:attr="sorted" attr2="all" attr="I'm"
      xmlns:b="http://www.ietf.org"
      xmlns:a="http://www.w3.org"
      xmlns="http://example.org"/>
   <e6 xmlns="" xmlns:a="http://www.w3.org">
      <e7 xmlns="http://www.ietf.org">
         <e8 xmlns="" xmlns:a="http://www.w3.org">
            <e9 xmlns="" xmlns:a="http://www.ietf.org"/>
         </e8>
      </e7>
   </e6>
</doc>"#;
    let expected = r#"<doc>
   <e1></e1>
   <e2></e2>
   <e3 id="elem3" name="elem3"></e3>
   <e4 id="elem4" name="elem4"></e4>
   <e5 xmlns="http://example.org" xmlns:a="http://www.w3.org" xmlns:b="http://www.ietf.org" attr="I'm" attr2="all" b:attr="sorted" a:attr="out"></e5>
   <e6 xmlns:a="http://www.w3.org">
      <e7 xmlns="http://www.ietf.org">
         <e8 xmlns="">
            <e9 xmlns:a="http://www.ietf.org"></e9>
         </e8>
      </e7>
   </e6>
</doc>"#;
    for m in INCLUSIVE {
        assert_eq!(whole(m, input), expected, "{m:?}");
    }
}

/// §3.4 Character Modifications and Character References. Without the DTD, `normNames`
/// (NMTOKENS) and `normId` (ID) are CDATA attributes: their values keep the spaces that
/// the DTD's tokenized normalization would have collapsed.
#[test]
fn character_modifications_and_references() {
    let input = "<doc>\n   <text>First line&#x0d;&#10;Second line</text>\n   <value>&#x32;</value>\n   <compute><![CDATA[value>\"0\" && value<\"10\" ?\"valid\":\"error\"]]></compute>\n   <compute expr='value>\"0\" &amp;&amp; value&lt;\"10\" ?\"valid\":\"error\"'>valid</compute>\n   <norm attr=' &apos;   &#x20;&#13;&#xa;&#9;   &apos; '/>\n   <normNames attr='   A   &#x20;&#13;&#xa;&#9;   B   '/>\n   <normId id=' &apos;   &#x20;&#13;&#xa;&#9;   &apos; '/>\n</doc>";
    let expected = "<doc>\n   <text>First line&#xD;\nSecond line</text>\n   <value>2</value>\n   <compute>value&gt;\"0\" &amp;&amp; value&lt;\"10\" ?\"valid\":\"error\"</compute>\n   <compute expr=\"value>&quot;0&quot; &amp;&amp; value&lt;&quot;10&quot; ?&quot;valid&quot;:&quot;error&quot;\">valid</compute>\n   <norm attr=\" '    &#xD;&#xA;&#x9;   ' \"></norm>\n   <normNames attr=\"   A    &#xD;&#xA;&#x9;   B   \"></normNames>\n   <normId id=\" '    &#xD;&#xA;&#x9;   ' \"></normId>\n</doc>";
    for m in INCLUSIVE {
        assert_eq!(whole(m, input), expected, "{m:?}");
    }
}

/// §3.6 UTF-8 Encoding (the ISO-8859-1 declaration dropped: kyso reads UTF-8 only).
#[test]
fn utf8_encoding() {
    for m in INCLUSIVE {
        assert_eq!(whole(m, "<doc>&#169;</doc>"), "<doc>\u{a9}</doc>", "{m:?}");
    }
}

fn is(n: Node<'_, '_>, ns: Option<&str>, local: &str) -> bool {
    n.is_element() && namespace_of(n) == ns && n.tag_name().name() == local
}

/// The node-set of Canonical XML 1.0 §3.7 and 1.1 §3.8, evaluated with
/// `xmlns:ietf="http://www.ietf.org"`:
///
/// ```text
/// (//. | //@* | //namespace::*)
/// [
///    self::ietf:e1 or
///    (parent::ietf:e1 and not(self::text() or self::e2)) or
///    count(id("E3")|ancestor-or-self::node()) = count(ancestor-or-self::node())
/// ]
/// ```
///
/// The last line selects E3 and everything below it, its attributes and namespace nodes
/// included.
fn subset_37(n: &SetNode<'_, '_>) -> bool {
    const IETF: &str = "http://www.ietf.org";
    let e3_or_below = |x: Node<'_, '_>| {
        x.ancestors()
            .any(|a| a.is_element() && a.attribute("id") == Some("E3"))
    };
    match *n {
        SetNode::Element(e) => {
            is(e, Some(IETF), "e1")
                || (e.parent().is_some_and(|p| is(p, Some(IETF), "e1")) && !is(e, None, "e2"))
                || e3_or_below(e)
        }
        SetNode::Attribute { element, .. } | SetNode::Namespace { element, .. } => {
            is(element, Some(IETF), "e1") || e3_or_below(element)
        }
        SetNode::Text(t) | SetNode::Comment(t) | SetNode::ProcessingInstruction(t) => {
            let under_e1 = t.parent().is_some_and(|p| is(p, Some(IETF), "e1"));
            (under_e1 && !matches!(n, SetNode::Text(_))) || e3_or_below(t)
        }
    }
}

fn subset(method: C14nMethod, xml: &str) -> String {
    let doc = XmlDocument::parse(xml, &Limits::default(), &IdAttributes::default()).unwrap();
    let mut out = Vec::new();
    Canonicalizer::new(method)
        .node_set(doc.doc(), &subset_37, &mut out)
        .unwrap();
    String::from_utf8(out).unwrap()
}

/// Canonical XML 1.0 §3.7 Document Subsets. The DTD defaulted `xml:space="preserve"` on e2;
/// here it is written out.
#[test]
fn document_subsets() {
    let input = r#"<doc xmlns="http://www.ietf.org" xmlns:w3c="http://www.w3.org">
   <e1>
      <e2 xmlns="" xml:space="preserve">
         <e3 id="E3"/>
      </e2>
   </e1>
</doc>"#;
    let expected = r#"<e1 xmlns="http://www.ietf.org" xmlns:w3c="http://www.w3.org"><e3 xmlns="" id="E3" xml:space="preserve"></e3></e1>"#;
    for m in INCLUSIVE {
        assert_eq!(subset(m, input), expected, "{m:?}");
    }
    // Exclusive: only visibly utilized namespaces, no xml:* attributes from omitted e2.
    assert_eq!(
        subset(C14nMethod::Exclusive10, input),
        r#"<e1 xmlns="http://www.ietf.org"><e3 xmlns="" id="E3"></e3></e1>"#
    );
}

/// Canonical XML 1.1 §3.8 Document Subsets and XML Attributes: the §3.7 subset over a
/// document with `xml:id` and `xml:base`. Canonical XML 1.0 copies every `xml:*` attribute
/// of the omitted e2 onto e3 (and doc's `xml:base` onto e1); 1.1 copies only `xml:space`,
/// drops `xml:id`, and joins the omitted `xml:base` with e3's own.
#[test]
fn document_subsets_and_xml_attributes() {
    let input = r#"<doc xmlns="http://www.ietf.org" xmlns:w3c="http://www.w3.org" xml:base="something/else">
   <e1>
      <e2 xmlns="" xml:id="abc" xml:base="bar/" xml:space="preserve">
         <e3 id="E3" xml:base="foo"/>
      </e2>
   </e1>
</doc>"#;
    assert_eq!(
        subset(C14nMethod::Inclusive10, input),
        r#"<e1 xmlns="http://www.ietf.org" xmlns:w3c="http://www.w3.org" xml:base="something/else"><e3 xmlns="" id="E3" xml:base="foo" xml:id="abc" xml:space="preserve"></e3></e1>"#
    );
    assert_eq!(
        subset(C14nMethod::Inclusive11, input),
        r#"<e1 xmlns="http://www.ietf.org" xmlns:w3c="http://www.w3.org" xml:base="something/else"><e3 xmlns="" id="E3" xml:base="bar/foo" xml:space="preserve"></e3></e1>"#
    );
}

/// Canonical XML 1.1 §2.4: "when the elements b and c are removed", d's `xml:base`
/// becomes `../../x` (a keeps its own).
#[test]
fn xml_base_through_removed_elements() {
    let xml =
        r#"<a xml:base="foo/bar"><b xml:base=".."><c xml:base=".."><d xml:base="x"/></c></b></a>"#;
    let doc = XmlDocument::parse(xml, &Limits::default(), &IdAttributes::default()).unwrap();
    let keep = |n: &SetNode<'_, '_>| {
        let owner = match *n {
            SetNode::Element(e) => e,
            SetNode::Attribute { element, .. } | SetNode::Namespace { element, .. } => element,
            _ => return true,
        };
        !matches!(owner.tag_name().name(), "b" | "c")
    };
    let run = |m| {
        let mut out = Vec::new();
        Canonicalizer::new(m)
            .node_set(doc.doc(), &keep, &mut out)
            .unwrap();
        String::from_utf8(out).unwrap()
    };
    assert_eq!(
        run(C14nMethod::Inclusive11),
        r#"<a xml:base="foo/bar"><d xml:base="../../x"></d></a>"#
    );
    // 1.0 has no fix-up: d keeps its own value.
    assert_eq!(
        run(C14nMethod::Inclusive10),
        r#"<a xml:base="foo/bar"><d xml:base="x"></d></a>"#
    );
}

/// The subtree form, as an XMLDSig `#id` reference uses it, under all three versions.
#[test]
fn subtree_apex_rules_per_version() {
    let xml = r#"<HDon xmlns="urn:hd" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xml:lang="vi" xml:id="h" xml:base="http://example.org/hd/"><DLHDon Id="d"><TTChung>Hóa đơn</TTChung><ds:Signature Id="s"><ds:SignedInfo/></ds:Signature></DLHDon></HDon>"#;
    let doc = XmlDocument::parse(xml, &Limits::default(), &IdAttributes::default()).unwrap();
    let apex = doc.element_by_id("d").unwrap().unwrap();
    let signature = doc.element_by_id("s").unwrap().unwrap();
    let run = |m| {
        String::from_utf8(
            Canonicalizer::new(m)
                .subtree_to_vec(apex, &[signature])
                .unwrap(),
        )
        .unwrap()
    };
    assert_eq!(
        run(C14nMethod::Inclusive10),
        r#"<DLHDon xmlns="urn:hd" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="d" xml:base="http://example.org/hd/" xml:id="h" xml:lang="vi"><TTChung>Hóa đơn</TTChung></DLHDon>"#
    );
    assert_eq!(
        run(C14nMethod::Inclusive11),
        r#"<DLHDon xmlns="urn:hd" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="d" xml:base="http://example.org/hd/" xml:lang="vi"><TTChung>Hóa đơn</TTChung></DLHDon>"#
    );
    assert_eq!(
        run(C14nMethod::Exclusive10),
        r#"<DLHDon xmlns="urn:hd" Id="d"><TTChung>Hóa đơn</TTChung></DLHDon>"#
    );
}
