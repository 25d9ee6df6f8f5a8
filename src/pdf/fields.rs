//! The interactive form's field tree (ISO 32000-1 §12.7.3): every field with its fully
//! qualified name and inherited attributes, signature fields included.
//!
//! A kid with a partial name `/T` (or with kids of its own) is a child field; any other kid is
//! a widget annotation of its parent. The walk is iterative, bounded by
//! [`crate::Limits::max_nesting`] and [`crate::Limits::max_pdf_objects`], and refuses an object
//! reached twice.

use std::collections::HashSet;
use std::rc::Rc;

use crate::{Error, Format, Result};

use super::document::RevisionView;
use super::object::{Dictionary, Name, ObjRef, Object};
use super::source::Source;

/// One form field.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The field dictionary's reference (`None` for a direct dictionary).
    pub id: Option<ObjRef>,
    /// The parent field, if any.
    pub parent: Option<ObjRef>,
    /// The fully qualified name: partial names from the root joined by `.`.
    pub name: String,
    /// This field's own partial name `/T`.
    pub partial_name: Option<String>,
    /// `/FT`, from the field or its nearest ancestor (`Sig` for signature fields).
    pub field_type: Option<Name>,
    /// `/Ff`, inherited likewise (0 when absent).
    pub flags: i64,
    /// `/V`, inherited likewise (unresolved: for a signature field, a reference to the
    /// signature dictionary).
    pub value: Option<Object>,
    /// The field dictionary as written.
    pub dict: Dictionary,
    /// Widget annotations of this field: kids that are not fields, and the field itself when
    /// its dictionary is merged with its widget (`/Subtype /Widget`).
    pub widgets: Vec<ObjRef>,
    /// Child fields.
    pub children: Vec<ObjRef>,
}

impl Field {
    /// Whether this field has no child fields.
    pub fn is_terminal(&self) -> bool {
        self.children.is_empty()
    }

    /// Whether this is a signature field (`/FT /Sig`, possibly inherited).
    pub fn is_signature(&self) -> bool {
        self.field_type.as_ref().is_some_and(|t| t == "Sig")
    }
}

/// What a field passes to its kids.
struct Context {
    id: Option<ObjRef>,
    name: String,
    field_type: Option<Name>,
    flags: i64,
    value: Option<Object>,
}

fn malformed(detail: impl Into<String>) -> Error {
    Error::malformed(Format::Pdf, detail)
}

impl<S: Source> RevisionView<'_, S> {
    /// The interactive form dictionary (`/AcroForm` of the catalog), if any.
    pub fn acroform(&self) -> Result<Option<Dictionary>> {
        let (_, catalog) = self.catalog()?;
        match catalog.get("AcroForm") {
            None => Ok(None),
            Some(a) => self.resolve_dict(a, "/AcroForm"),
        }
    }

    /// Every field of the form in document order (each parent before its kids), as this
    /// revision sees them. A document without a form has no fields.
    pub fn fields(&self) -> Result<Vec<Field>> {
        self.walk_fields(true)
    }

    /// Every field like [`RevisionView::fields`], with [`Field::dict`] holding only the keys
    /// the walk reads (`/T`, `/FT`, `/Ff`, `/V`, `/Subtype`, `/Kids`): the modification
    /// analysis reads every revision's form and needs no more than the fields' roles.
    pub(crate) fn field_roles(&self) -> Result<Vec<Field>> {
        self.walk_fields(false)
    }

    fn walk_fields(&self, whole_dicts: bool) -> Result<Vec<Field>> {
        let limits = self.document().limits();
        let Some(form) = self.acroform()? else {
            return Ok(Vec::new());
        };
        let roots = match form.get("Fields") {
            None => return Ok(Vec::new()),
            Some(f) => self.resolve(f)?,
        };
        let Object::Array(roots) = roots else {
            return Err(malformed("/AcroForm /Fields is not an array"));
        };
        let mut out = Vec::new();
        let mut seen: HashSet<ObjRef> = HashSet::new();
        let mut visits: u64 = 0;
        let mut stack: Vec<(Object, Option<Rc<Context>>, u32)> =
            roots.iter().rev().map(|o| (o.clone(), None, 0)).collect();
        while let Some((item, parent, depth)) = stack.pop() {
            visits += 1;
            if visits > u64::from(limits.max_pdf_objects) {
                return Err(Error::LimitExceeded {
                    what: "PDF form fields",
                    limit: u64::from(limits.max_pdf_objects),
                });
            }
            if depth > limits.max_nesting {
                return Err(Error::LimitExceeded {
                    what: "PDF form field depth",
                    limit: u64::from(limits.max_nesting),
                });
            }
            let id = item.as_ref();
            if let Some(r) = id
                && !seen.insert(r)
            {
                return Err(malformed(format!("form field {r} is reached twice")));
            }
            let dict = if whole_dicts {
                self.resolve_dict(&item, "a form field")?
            } else {
                self.resolve_with(&item, |o| {
                    let d = match o {
                        Object::Null => return Ok(None),
                        Object::Dict(d) => d,
                        Object::Stream(s) => &s.dict,
                        other => {
                            return Err(malformed(format!(
                                "a form field is a {}, not a dictionary",
                                other.kind()
                            )));
                        }
                    };
                    let mut slim = Dictionary::new();
                    for key in ["T", "FT", "Ff", "V", "Subtype", "Kids"] {
                        if let Some(v) = d.get(key) {
                            slim.set(key, v.clone());
                        }
                    }
                    Ok(Some(slim))
                })??
            };
            let Some(dict) = dict else {
                // A reference to a missing object is null: nothing to list.
                continue;
            };
            let partial_name = dict
                .get("T")
                .and_then(Object::as_string)
                .map(|s| s.to_text());
            let parent_name = parent.as_ref().map_or("", |p| p.name.as_str());
            let name = match (&partial_name, parent_name) {
                (Some(p), "") => p.clone(),
                (Some(p), parent) => format!("{parent}.{p}"),
                (None, parent) => parent.to_string(),
            };
            let field_type = dict
                .get_name("FT")
                .cloned()
                .or_else(|| parent.as_ref().and_then(|p| p.field_type.clone()));
            let flags = dict
                .get_int("Ff")
                .or_else(|| parent.as_ref().map(|p| p.flags))
                .unwrap_or(0);
            let value = dict
                .get("V")
                .cloned()
                .or_else(|| parent.as_ref().and_then(|p| p.value.clone()));

            let mut widgets = Vec::new();
            if let Some(r) = id
                && dict.is_name("Subtype", "Widget")
            {
                widgets.push(r);
            }
            let mut children = Vec::new();
            let mut child_items = Vec::new();
            if let Some(kids) = dict.get("Kids") {
                let Object::Array(kids) = self.resolve(kids)? else {
                    return Err(malformed(format!(
                        "form field {name:?}: /Kids is not an array"
                    )));
                };
                for kid in kids.iter() {
                    // Only two keys are needed here: look without copying the dictionary.
                    let is_field = self.resolve_with(kid, |o| {
                        let d = match o {
                            Object::Null => return Ok(None),
                            Object::Dict(d) => d,
                            Object::Stream(s) => &s.dict,
                            other => {
                                return Err(malformed(format!(
                                    "a form field kid is a {}, not a dictionary",
                                    other.kind()
                                )));
                            }
                        };
                        Ok(Some(d.contains_key("T") || d.contains_key("Kids")))
                    })??;
                    let Some(is_field) = is_field else {
                        continue;
                    };
                    match (is_field, kid.as_ref()) {
                        (true, r) => {
                            children.extend(r);
                            child_items.push(kid.clone());
                        }
                        (false, Some(r)) => {
                            if !seen.insert(r) {
                                return Err(malformed(format!("widget {r} is reached twice")));
                            }
                            widgets.push(r);
                        }
                        (false, None) => {}
                    }
                }
            }
            let context = Rc::new(Context {
                id,
                name: name.clone(),
                field_type: field_type.clone(),
                flags,
                value: value.clone(),
            });
            for kid in child_items.into_iter().rev() {
                stack.push((kid, Some(Rc::clone(&context)), depth + 1));
            }
            out.push(Field {
                id,
                parent: parent.as_ref().and_then(|p| p.id),
                name,
                partial_name,
                field_type,
                flags,
                value,
                dict,
                widgets,
                children,
            });
        }
        Ok(out)
    }
}
