//! The page tree (ISO 32000-1 §7.7.3): pages in order, with inherited attributes.
//!
//! The walk is iterative, bounded in depth by [`crate::Limits::max_nesting`] and in size by
//! [`crate::Limits::max_pdf_objects`], and refuses a node reached twice (a loop or a page
//! shared between two parents).

use std::collections::HashSet;
use std::rc::Rc;

use crate::{Error, Format, Result};

use super::document::RevisionView;
use super::object::{Dictionary, ObjRef, Object};
use super::source::Source;

/// A page with the attributes it inherits from its ancestors.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The page object.
    pub id: ObjRef,
    /// The page dictionary as written.
    pub dict: Dictionary,
    /// `/Resources`, from the page or its nearest ancestor that has it (unresolved).
    pub resources: Option<Object>,
    /// `/MediaBox`, inherited likewise.
    pub media_box: Option<Object>,
    /// `/CropBox`, inherited likewise.
    pub crop_box: Option<Object>,
    /// `/Rotate`, inherited likewise.
    pub rotate: Option<Object>,
}

#[derive(Clone, Default)]
struct Inherited {
    resources: Option<Object>,
    media_box: Option<Object>,
    crop_box: Option<Object>,
    rotate: Option<Object>,
}

impl Inherited {
    fn update(&mut self, d: &Dictionary) {
        let take = |slot: &mut Option<Object>, key: &str| {
            if let Some(v) = d.get(key) {
                *slot = Some(v.clone());
            }
        };
        take(&mut self.resources, "Resources");
        take(&mut self.media_box, "MediaBox");
        take(&mut self.crop_box, "CropBox");
        take(&mut self.rotate, "Rotate");
    }
}

fn malformed(detail: impl Into<String>) -> Error {
    Error::malformed(Format::Pdf, detail)
}

impl<S: Source> RevisionView<'_, S> {
    /// All pages in document order, as this revision sees them.
    pub fn pages(&self) -> Result<Vec<Page>> {
        let limits = self.document().limits();
        let (_, catalog) = self.catalog()?;
        let root = catalog
            .get_ref("Pages")
            .ok_or_else(|| malformed("the catalog has no indirect /Pages"))?;
        let mut pages = Vec::new();
        let mut seen = HashSet::new();
        let mut stack = vec![(root, Rc::new(Inherited::default()), 0u32)];
        while let Some((r, parent, depth)) = stack.pop() {
            if !seen.insert(r) {
                return Err(malformed(format!("page tree node {r} is reached twice")));
            }
            if seen.len() > limits.max_pdf_objects as usize {
                return Err(Error::LimitExceeded {
                    what: "PDF page tree nodes",
                    limit: u64::from(limits.max_pdf_objects),
                });
            }
            let dict = self
                .resolve_dict(&Object::Ref(r), "a page tree node")?
                .ok_or_else(|| malformed(format!("page tree node {r} does not exist")))?;
            let mut inherited = Inherited::clone(&parent);
            inherited.update(&dict);
            let is_node = match dict.get_name("Type") {
                Some(t) if t == "Pages" => true,
                Some(t) if t == "Page" => false,
                _ => dict.contains_key("Kids"),
            };
            if !is_node {
                pages.push(Page {
                    id: r,
                    dict,
                    resources: inherited.resources,
                    media_box: inherited.media_box,
                    crop_box: inherited.crop_box,
                    rotate: inherited.rotate,
                });
                continue;
            }
            if depth >= limits.max_nesting {
                return Err(Error::LimitExceeded {
                    what: "PDF page tree depth",
                    limit: u64::from(limits.max_nesting),
                });
            }
            let kids = match dict.get("Kids") {
                Some(k) => self.resolve(k)?,
                None => Object::Null,
            };
            let Object::Array(kids) = kids else {
                return Err(malformed(format!("page tree node {r} has no /Kids array")));
            };
            let inherited = Rc::new(inherited);
            for kid in kids.iter().rev() {
                let Object::Ref(k) = kid else {
                    return Err(malformed(format!(
                        "page tree node {r} has a direct kid; kids must be references"
                    )));
                };
                stack.push((*k, Rc::clone(&inherited), depth + 1));
            }
        }
        Ok(pages)
    }
}
