//! What changed after a signature, revision by revision, and whether the rules allow it.
//!
//! Every object an update adds, replaces or frees is examined. A replaced object must be
//! explained by one of a few small rules (a page gaining a signature widget, the form gaining
//! a field, a form field being filled, the catalog gaining a DSS, XMP metadata rewritten, …),
//! each checking that only the keys it is about changed; anything no rule explains is not
//! permitted. This is what stops incremental saving attacks and the shadow attacks: page
//! content, resources, fonts, XObjects, the page tree, freed or re-pointed objects, and
//! objects that the signed revision referenced while they did not exist.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::object::{Array, Dictionary, IndirectObject, ObjRef, Object, Stream, StreamData};
use super::xref::XrefEntry;
use super::{Document, RevisionView, Source};
use crate::error::Result;

/// What the signer of a certification signature allowed (DocMDP /P), and the fields locked
/// by FieldMDP.
#[derive(Debug, Clone, Default)]
pub(crate) struct Permissions {
    /// DocMDP P: 1 nothing, 2 form filling and signing, 3 also annotations. `None`: no
    /// certification (approval signatures only), which kyso treats like 2 plus annotations.
    pub docmdp: Option<u8>,
    /// Fully qualified names of fields that may not change.
    pub locked_fields: HashSet<String>,
    /// Every field is locked (FieldMDP /Action /All).
    pub all_fields_locked: bool,
}

impl Permissions {
    fn form_filling(&self) -> bool {
        self.docmdp != Some(1)
    }
    fn signing(&self) -> bool {
        self.docmdp != Some(1)
    }
    fn annotations(&self) -> bool {
        matches!(self.docmdp, None | Some(3))
    }
    fn field_locked(&self, name: &str) -> bool {
        self.all_fields_locked || self.locked_fields.contains(name)
    }
}

/// The verdict on everything after one signature.
#[derive(Debug, Clone, Default)]
pub(crate) struct DiffOutcome {
    /// Whether anything was appended at all.
    pub changed: bool,
    /// Changes that no rule permits, with the object and the reason.
    pub forbidden: Vec<String>,
    /// Permitted changes worth telling (annotations, form values).
    pub notes: Vec<String>,
}

/// A field object (or one of its widgets) and what it was in a revision.
struct FieldRole {
    /// Fully qualified name.
    name: String,
    /// A signature field.
    signature: bool,
    /// The field had a value (for a signature field: it was signed).
    has_value: bool,
}

/// The roles objects play in one revision, to pick the rule that applies to a replacement.
struct Roles {
    catalog: Option<ObjRef>,
    /// The document information dictionary (trailer /Info).
    info: Option<ObjRef>,
    acroform: Option<ObjRef>,
    fields_array: Option<ObjRef>,
    pages: HashSet<ObjRef>,
    annots_arrays: HashSet<ObjRef>,
    /// Field objects (terminal or not) by object, with their fully qualified names.
    fields: HashMap<ObjRef, FieldRole>,
    /// The Document Security Store, when the catalog refers to it indirectly.
    dss: Option<ObjRef>,
    /// The catalog's XMP metadata stream.
    metadata: Option<ObjRef>,
}

fn roles<S: Source>(view: &RevisionView<'_, S>) -> Result<Roles> {
    let (catalog_ref, catalog) = view.catalog()?;
    let acroform = catalog.get("AcroForm").and_then(Object::as_ref);
    let fields_array = match acroform {
        Some(r) => view
            .get(r)?
            .and_then(|o| o.object.as_dict().and_then(|d| d.get_ref("Fields"))),
        None => catalog
            .get("AcroForm")
            .and_then(Object::as_dict)
            .and_then(|d| d.get_ref("Fields")),
    };
    let pages = view.pages()?;
    let annots_arrays = pages
        .iter()
        .filter_map(|p| p.dict.get_ref("Annots"))
        .collect();
    let mut fields = HashMap::new();
    for f in view.field_roles()? {
        let role = || FieldRole {
            name: f.name.clone(),
            signature: f.is_signature(),
            has_value: f.value.is_some(),
        };
        if let Some(id) = f.id {
            fields.insert(id, role());
        }
        for w in &f.widgets {
            fields.insert(*w, role());
        }
    }
    Ok(Roles {
        catalog: Some(catalog_ref),
        info: view.trailer().get_ref("Info"),
        acroform,
        fields_array,
        pages: pages.iter().map(|p| p.id).collect(),
        annots_arrays,
        fields,
        dss: catalog.get("DSS").and_then(Object::as_ref),
        metadata: catalog.get_ref("Metadata"),
    })
}

/// One change a revision made, as far as it can be judged without knowing which signature
/// asks.
enum Change {
    /// Forbidden after any earlier signature (an object freed or given a new generation).
    Forbidden(String),
    /// A new object number: forbidden when the signed revision already referred to it.
    New(u32),
    /// An object replaced by a different value: judged by the rules, once per kind of
    /// signature that asks (see [`History::judge`]).
    Replaced {
        r: ObjRef,
        old: Arc<IndirectObject>,
        new: Arc<IndirectObject>,
    },
}

/// What revision `k` changed relative to revision `k - 1`.
struct Transition {
    encryption_added: bool,
    changes: Vec<Change>,
}

/// A rule's verdict on one replacement and the notes it made on the way.
type Judgement = (Explained, Vec<String>);

/// Rule verdicts by (revision, change, DocMDP level, object shown when signed); an error says
/// why the rule could not be applied.
type Judged = HashMap<(usize, usize, Option<u8>, bool), std::result::Result<Judgement, String>>;

/// Everything appended to a document, analysed once per revision.
///
/// Each signature is judged on every revision after the one it signed. Analysing those
/// revisions again for each signature made verification quadratic in the number of
/// sequential signatures (40 signatures cost 26 times 10); here each revision's roles and
/// changes are read once, a replacement is judged by the rules at most once per kind of
/// signature (certified or not, object shown when signed or not), and every signature's
/// verdict is assembled from those results.
pub(crate) struct History<'d, S> {
    doc: &'d Document<S>,
    /// Fields locked by any signature (FieldMDP); the DocMDP level comes per signature.
    locks: Permissions,
    /// `/Root` of each revision's trailer.
    roots: Vec<Option<ObjRef>>,
    /// `transitions[k]`: what revision `k` changed (an error when it cannot be analysed);
    /// `None` for revisions no signature is judged on.
    transitions: Vec<Option<std::result::Result<Transition, String>>>,
    /// The roles objects play in each revision that a transition needs.
    roles: Vec<Option<Roles>>,
    /// For each object number, the first revision in which any object refers to it; read
    /// only when some signature has later revisions (a singly signed file never needs it).
    first_ref: Option<HashMap<u32, usize>>,
    /// The first revision with an object that could not be read (its references unknown).
    refs_unknown_from: Option<usize>,
    /// Rule verdicts, each computed once.
    judged: Judged,
    /// Dangling references of a signed revision, computed only when a new object might be one.
    dangling: HashMap<usize, HashSet<u32>>,
    /// What a revision adds to every older signature's outcome under a DocMDP level (forbidden
    /// changes, notes), or `None` when that depends on the signature.
    #[allow(clippy::type_complexity)]
    shared: HashMap<(usize, Option<u8>), Option<(Vec<String>, Vec<String>)>>,
}

impl<'d, S: Source> History<'d, S> {
    /// Analyses every revision after `from` (the oldest signed revision). `locks` holds the
    /// fields that signatures lock; its DocMDP level is ignored.
    pub(crate) fn new(doc: &'d Document<S>, from: usize, locks: &Permissions) -> Result<Self> {
        let count = doc.revisions().len();
        let roots = doc
            .revisions()
            .iter()
            .map(|r| r.trailer().get_ref("Root"))
            .collect();
        let mut roles_of: Vec<Option<std::result::Result<Roles, String>>> =
            (0..count).map(|_| None).collect();
        let mut transitions: Vec<Option<std::result::Result<Transition, String>>> =
            (0..count).map(|_| None).collect();
        #[allow(clippy::needless_range_loop)] // `k` indexes two revisions' roles as well
        for k in from.saturating_add(1)..count {
            for j in [k - 1, k] {
                if roles_of[j].is_none()
                    && let Some(view) = doc.view(j)
                {
                    roles_of[j] = Some(roles(&view).map_err(|e| e.to_string()));
                }
            }
            let failed = [k - 1, k]
                .iter()
                .find_map(|&j| roles_of[j].as_ref().and_then(|r| r.as_ref().err()).cloned());
            transitions[k] = Some(match failed {
                Some(e) => Err(e),
                None => transition(doc, k).map_err(|e| e.to_string()),
            });
        }
        let roles = roles_of
            .into_iter()
            .map(|r| r.and_then(std::result::Result::ok))
            .collect();
        Ok(History {
            doc,
            locks: Permissions {
                docmdp: None,
                ..locks.clone()
            },
            roots,
            transitions,
            roles,
            first_ref: None,
            refs_unknown_from: None,
            judged: HashMap::new(),
            dangling: HashMap::new(),
            shared: HashMap::new(),
        })
    }

    /// Examines every revision after `signed` (the revision the signature covers) for a
    /// signature under DocMDP level `docmdp`. An error says why the changes could not be
    /// analysed.
    pub(crate) fn outcome(
        &mut self,
        signed: usize,
        docmdp: Option<u8>,
    ) -> std::result::Result<DiffOutcome, String> {
        let mut out = DiffOutcome::default();
        let last = self.doc.revisions().len().saturating_sub(1);
        if signed >= last {
            return Ok(out);
        }
        out.changed = true;
        if self.first_ref.is_none() {
            let (first, unknown) = first_references(self.doc, self.doc.revisions().len());
            self.first_ref = Some(first);
            self.refs_unknown_from = unknown;
        }
        let signed_root = self.roots.get(signed).copied().flatten();
        for k in signed + 1..=last {
            let root = self.roots.get(k).copied().flatten();
            if root != signed_root {
                let to = root.map_or_else(|| "nothing".to_owned(), |r| r.to_string());
                out.forbidden.push(format!(
                    "revision {k}: the document catalog was replaced (/Root is now {to})"
                ));
            }
            match self.transitions.get(k) {
                Some(Some(Ok(t))) => {
                    if t.encryption_added {
                        out.forbidden
                            .push(format!("revision {k}: encryption was added"));
                    }
                }
                Some(Some(Err(e))) => return Err(e.clone()),
                _ => return Err(format!("revision {k} was not analysed")),
            }
            // Most revisions are judged the same for every signature before them: reuse that
            // verdict, and go through the changes one by one only where the signature matters.
            if k > signed + 1 && signed < self.first_dangling_candidate(k) {
                let shared = self.shared(k, docmdp)?;
                if let Some((forbidden, notes)) = shared {
                    out.forbidden.extend(forbidden.iter().cloned());
                    out.notes.extend(notes.iter().cloned());
                    continue;
                }
            }
            self.add_transition(k, signed, docmdp, &mut out)?;
        }
        Ok(out)
    }

    /// The oldest signed revision for which a new object of revision `k` might be a
    /// dangling reference (`usize::MAX` when none can be).
    fn first_dangling_candidate(&self, k: usize) -> usize {
        let Some(Some(Ok(t))) = self.transitions.get(k) else {
            return 0;
        };
        t.changes
            .iter()
            .filter_map(|c| match c {
                Change::New(num) => Some(
                    self.first_ref
                        .as_ref()
                        .and_then(|f| f.get(num))
                        .copied()
                        .unwrap_or(usize::MAX)
                        .min(self.refs_unknown_from.unwrap_or(usize::MAX)),
                ),
                _ => None,
            })
            .min()
            .unwrap_or(usize::MAX)
    }

    /// What revision `k` adds to the outcome of any signature at least two revisions older
    /// and under DocMDP level `docmdp`, when that does not depend on which signature asks
    /// (`None` when a replacement is judged differently depending on whether the signer saw
    /// the object). Computed once per revision and level.
    #[allow(clippy::type_complexity)]
    fn shared(
        &mut self,
        k: usize,
        docmdp: Option<u8>,
    ) -> std::result::Result<Option<&(Vec<String>, Vec<String>)>, String> {
        if !self.shared.contains_key(&(k, docmdp)) {
            let count = match self.transitions.get(k) {
                Some(Some(Ok(t))) => t.changes.len(),
                _ => 0,
            };
            let mut out = DiffOutcome::default();
            let mut same = true;
            for i in 0..count {
                let r = match self.transitions.get(k) {
                    Some(Some(Ok(t))) => match t.changes.get(i) {
                        Some(Change::Forbidden(why)) => {
                            out.forbidden.push(why.clone());
                            continue;
                        }
                        Some(Change::Replaced { r, .. }) => *r,
                        _ => continue,
                    },
                    _ => continue,
                };
                let shown = self.judge(k, i, docmdp, true)?;
                let hidden = self.judge(k, i, docmdp, false)?;
                if shown != hidden {
                    same = false;
                    break;
                }
                self.record(k, r, shown, &mut out);
            }
            let value = same.then_some((out.forbidden, out.notes));
            self.shared.insert((k, docmdp), value);
        }
        Ok(self.shared.get(&(k, docmdp)).and_then(Option::as_ref))
    }

    /// Adds what revision `k` changed to the outcome of a signature of revision `signed`.
    fn add_transition(
        &mut self,
        k: usize,
        signed: usize,
        docmdp: Option<u8>,
        out: &mut DiffOutcome,
    ) -> std::result::Result<(), String> {
        let count = match self.transitions.get(k) {
            Some(Some(Ok(t))) => t.changes.len(),
            _ => 0,
        };
        for i in 0..count {
            self.apply(k, i, signed, docmdp, out)?;
        }
        Ok(())
    }

    /// Adds a rule's verdict on the replacement of `r` in revision `k`.
    fn record(&self, k: usize, r: ObjRef, (explained, notes): Judgement, out: &mut DiffOutcome) {
        out.notes.extend(notes);
        match explained {
            Err(why) => out.forbidden.push(format!("object {r} modified: {why}")),
            Ok(()) => {
                if let Some(note) = self
                    .roles
                    .get(k - 1)
                    .and_then(|r| r.as_ref())
                    .and_then(|roles| note_for(r, roles))
                {
                    out.notes.push(note);
                }
            }
        }
    }

    /// Adds the verdict on change `i` of revision `k` for a signature of revision `signed`.
    fn apply(
        &mut self,
        k: usize,
        i: usize,
        signed: usize,
        docmdp: Option<u8>,
        out: &mut DiffOutcome,
    ) -> std::result::Result<(), String> {
        let Some(Some(Ok(t))) = self.transitions.get(k) else {
            return Err(format!("revision {k} was not analysed"));
        };
        let r = match t.changes.get(i) {
            Some(Change::Forbidden(why)) => {
                out.forbidden.push(why.clone());
                return Ok(());
            }
            Some(Change::New(num)) => {
                let num = *num;
                if self.dangling_in(signed, num) {
                    out.forbidden.push(format!(
                        "object {num} is referred to by the signed revision and defined only after signing"
                    ));
                }
                return Ok(());
            }
            Some(Change::Replaced { r, .. }) => *r,
            None => return Ok(()),
        };
        // Whether the signer saw the object only matters to the annotation rule: ask the
        // signed revision only when the two verdicts differ.
        let judgement = if k == signed + 1 {
            self.judge(k, i, docmdp, true)?
        } else {
            let shown = self.judge(k, i, docmdp, true)?;
            let hidden = self.judge(k, i, docmdp, false)?;
            if shown == hidden {
                shown
            } else {
                let present = self
                    .doc
                    .view(signed)
                    .map(|v| v.get(r))
                    .transpose()
                    .map_err(|e| e.to_string())?
                    .flatten()
                    .is_some();
                if present { shown } else { hidden }
            }
        };
        self.record(k, r, judgement, out);
        Ok(())
    }

    /// The rules' verdict on replacement `i` of revision `k`, computed once per DocMDP level
    /// and per "shown when signed".
    fn judge(
        &mut self,
        k: usize,
        i: usize,
        docmdp: Option<u8>,
        in_signed_revision: bool,
    ) -> std::result::Result<Judgement, String> {
        let key = (k, i, docmdp, in_signed_revision);
        if let Some(done) = self.judged.get(&key) {
            return done.clone();
        }
        let verdict = self.judge_now(k, i, docmdp, in_signed_revision);
        self.judged.insert(key, verdict.clone());
        verdict
    }

    fn judge_now(
        &self,
        k: usize,
        i: usize,
        docmdp: Option<u8>,
        in_signed_revision: bool,
    ) -> std::result::Result<Judgement, String> {
        let (Some(Some(Ok(t))), Some(Some(before)), Some(Some(after))) = (
            self.transitions.get(k),
            self.roles.get(k - 1),
            self.roles.get(k),
        ) else {
            return Err(format!("revision {k} was not analysed"));
        };
        let Some(Change::Replaced { r, old, new }) = t.changes.get(i) else {
            return Err(format!("revision {k} has no replacement {i}"));
        };
        let (Some(before_view), Some(after_view)) = (self.doc.view(k - 1), self.doc.view(k)) else {
            return Err(format!("the document has no revision {k}"));
        };
        let perms = Permissions {
            docmdp,
            ..self.locks.clone()
        };
        let mut notes = Vec::new();
        let explained = explain(
            self.doc,
            *r,
            &old.object,
            &new.object,
            before,
            after,
            &before_view,
            &after_view,
            &perms,
            in_signed_revision,
            &mut notes,
        )
        .map_err(|e| e.to_string())?;
        Ok((explained, notes))
    }

    /// Whether revision `signed` refers to object number `num` without defining it. The
    /// exact answer walks the signed revision; it is needed only when some object up to that
    /// revision refers to `num` at all.
    fn dangling_in(&mut self, signed: usize, num: u32) -> bool {
        let maybe = self
            .first_ref
            .as_ref()
            .is_none_or(|f| f.get(&num).is_some_and(|&w| w <= signed))
            || self.refs_unknown_from.is_some_and(|w| w <= signed);
        if !maybe {
            return false;
        }
        if !self.dangling.contains_key(&signed) {
            let set = self
                .doc
                .view(signed)
                .map(|v| dangling_refs(&v))
                .unwrap_or_default();
            self.dangling.insert(signed, set);
        }
        self.dangling.get(&signed).is_some_and(|d| d.contains(&num))
    }
}

/// What revision `k` adds, replaces and frees, judged as far as no signature is needed.
fn transition<S: Source>(doc: &Document<S>, k: usize) -> Result<Transition> {
    let (Some(before), Some(after)) = (doc.view(k - 1), doc.view(k)) else {
        return Ok(Transition {
            encryption_added: false,
            changes: Vec::new(),
        });
    };
    let encryption_added =
        after.trailer().contains_key("Encrypt") && !before.trailer().contains_key("Encrypt");
    let mut changes = Vec::new();
    for (num, entry) in doc.changed_entries(k) {
        // The generation the previous revision had in use for this number, if any.
        let live = match entry_seen(doc, k - 1, num) {
            Some(XrefEntry::InUse { generation, .. }) => Some(generation),
            Some(XrefEntry::Compressed { .. }) => Some(0),
            Some(XrefEntry::Free { .. }) | None => None,
        };
        let generation = match entry {
            XrefEntry::InUse { generation, .. } => generation,
            XrefEntry::Compressed { .. } => 0,
            XrefEntry::Free { .. } => {
                if live.is_some() {
                    changes.push(Change::Forbidden(format!(
                        "object {num} was deleted after signing"
                    )));
                }
                continue;
            }
        };
        // A live object given a new generation: its old references now read as null.
        if let Some(old_generation) = live.filter(|g| *g != generation) {
            changes.push(Change::Forbidden(format!(
                "object {num} {old_generation} R was replaced by generation {generation} \
                 after signing"
            )));
            continue;
        }
        let r = ObjRef::new(num, generation);
        let old = before.get(r)?;
        let Some(new) = after.get(r)? else {
            continue;
        };
        let Some(old) = old else {
            // A new object. One that the signed revision already referred to (a dangling
            // reference, read as null when signed) would change what the signed pages show.
            changes.push(Change::New(num));
            continue;
        };
        if same_object(doc, &old.object, &new.object)? {
            continue;
        }
        changes.push(Change::Replaced { r, old, new });
    }
    Ok(Transition {
        encryption_added,
        changes,
    })
}

/// For each object number, the first revision in which a trailer or an object written by
/// that revision refers to it; and the first revision with an object that could not be read.
/// A revision's references are a superset of those its view can reach, so a number not
/// referred to up to a revision cannot dangle in it.
fn first_references<S: Source>(
    doc: &Document<S>,
    count: usize,
) -> (HashMap<u32, usize>, Option<usize>) {
    let mut first: HashMap<u32, usize> = HashMap::new();
    let mut unknown = None;
    let mut refs = Vec::new();
    for w in 0..count {
        let (Some(view), Some(revision)) = (doc.view(w), doc.revisions().get(w)) else {
            continue;
        };
        refs.clear();
        for (_, v) in revision.trailer().iter() {
            collect_refs(v, &mut refs);
        }
        for (num, entry) in revision.entries() {
            let generation = match entry {
                XrefEntry::InUse { generation, .. } => *generation,
                XrefEntry::Compressed { .. } => 0,
                XrefEntry::Free { .. } => continue,
            };
            match view.get(ObjRef::new(*num, generation)) {
                Ok(Some(o)) => collect_refs(&o.object, &mut refs),
                Ok(None) => {}
                Err(_) => {
                    unknown.get_or_insert(w);
                }
            }
        }
        for r in &refs {
            first.entry(r.num).or_insert(w);
        }
    }
    (first, unknown)
}

/// The objects `object` refers to, without copying it.
fn collect_refs(object: &Object, out: &mut Vec<ObjRef>) {
    let mut stack: Vec<&Object> = vec![object];
    while let Some(o) = stack.pop() {
        match o {
            Object::Ref(r) => out.push(*r),
            Object::Array(a) => stack.extend(a.iter()),
            Object::Dict(d) => stack.extend(d.iter().map(|(_, v)| v)),
            Object::Stream(s) => stack.extend(s.dict.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

/// The cross-reference entry revision `rev` sees for object number `num`: the newest one
/// any revision up to `rev` lists.
fn entry_seen<S: Source>(doc: &Document<S>, rev: usize, num: u32) -> Option<XrefEntry> {
    doc.view(rev)?.entry(num).map(|(_, e)| e)
}

fn note_for(r: ObjRef, roles: &Roles) -> Option<String> {
    roles
        .fields
        .get(&r)
        .filter(|f| !f.signature)
        .map(|f| format!("form field {} was filled after signing", f.name))
}

type Explained = std::result::Result<(), String>;

/// The rule that explains a replacement, or why none does.
#[allow(clippy::too_many_arguments)]
fn explain<S: Source>(
    doc: &Document<S>,
    r: ObjRef,
    old: &Object,
    new: &Object,
    before: &Roles,
    after: &Roles,
    before_view: &RevisionView<'_, S>,
    after_view: &RevisionView<'_, S>,
    perms: &Permissions,
    in_signed_revision: bool,
    notes: &mut Vec<String>,
) -> Result<Explained> {
    if before.metadata == Some(r) {
        return Ok(metadata_rule(before_view, before, r, new));
    }
    let (Object::Dict(old_d), Object::Dict(new_d)) = (old, new) else {
        if let (Object::Array(old_a), Object::Array(new_a)) = (old, new) {
            if before.annots_arrays.contains(&r) {
                return annots_rule(doc, old_a, new_a, before, after_view, perms, notes);
            }
            if before.fields_array == Some(r) {
                return Ok(appended_only(doc, old_a, new_a, "/Fields"));
            }
        }
        return Ok(Err(format!("a {} was changed", old.kind())));
    };
    let changed = changed_keys(doc, old_d, new_d)?;
    let only = |allowed: &[&str]| -> Explained {
        match changed.iter().find(|k| !allowed.contains(&k.as_str())) {
            Some(k) => Err(format!("/{k} changed")),
            None => Ok(()),
        }
    };
    if before.catalog == Some(r) {
        // The catalog may gain a DSS (PAdES LTV) and an AcroForm it did not have; a form
        // written inline is checked like the form object.
        let mut allowed = vec!["DSS", "Extensions"];
        if old_d.get("AcroForm").is_none() {
            allowed.push("AcroForm");
        }
        // Writers that save a signature (Acrobat among them) point the catalog at fresh XMP.
        if let Some(m) = new_d.get_ref("Metadata")
            && after_view.get(m)?.is_some_and(|o| is_xmp_stream(&o.object))
        {
            allowed.push("Metadata");
        }
        if let (Some(Object::Dict(a)), Some(Object::Dict(b))) =
            (old_d.get("AcroForm"), new_d.get("AcroForm"))
        {
            if let Err(why) = form_rule(doc, a, b)? {
                return Ok(Err(why));
            }
            allowed.push("AcroForm");
        }
        return Ok(only(&allowed));
    }
    if before.acroform == Some(r) {
        return form_rule(doc, old_d, new_d);
    }
    if before.dss == Some(r) {
        return Ok(dss_rule(old_d, new_d));
    }
    if before.pages.contains(&r) {
        if let Err(why) = only(&["Annots"]) {
            return Ok(Err(format!("page: {why}")));
        }
        let empty = Array::new();
        let old_a = match old_d.get("Annots") {
            Some(Object::Array(a)) => a,
            _ => &empty,
        };
        let Some(Object::Array(new_a)) = new_d.get("Annots") else {
            return Ok(Err("page annotations replaced".into()));
        };
        let _ = after;
        return annots_rule(doc, old_a, new_a, before, after_view, perms, notes);
    }
    if let Some(FieldRole {
        name,
        signature,
        has_value,
    }) = before.fields.get(&r)
    {
        if perms.field_locked(name) {
            return Ok(Err(format!("field {name} is locked by a signature")));
        }
        if *signature {
            if !perms.signing() {
                return Ok(Err("the certification allows no further signatures".into()));
            }
            // A signed field (or its widget) stays as it was signed: its value, and the
            // appearance the signer saw.
            if *has_value {
                return Ok(match changed.first() {
                    Some(k) if k == "V" => {
                        Err(format!("the signature in field {name} was replaced"))
                    }
                    Some(k) => Err(format!("the signed field {name} changed: /{k}")),
                    None => Ok(()),
                });
            }
            return Ok(only(&["V", "AP", "AS", "Lock", "SV"]));
        }
        if !perms.form_filling() {
            return Ok(Err("the certification allows no form filling".into()));
        }
        return Ok(only(&["V", "AP", "AS"]));
    }
    if before.info == Some(r) {
        return Ok(info_rule(old_d, new_d));
    }
    if old_d.is_name("Type", "Annot")
        || old_d.get("Subtype").is_some() && old_d.contains_key("Rect")
    {
        if !perms.annotations() {
            return Ok(Err("the certification allows no annotation changes".into()));
        }
        // Annotations added after signing may change. One the signer saw may change only
        // when a certification allows it (P=3); an approval signature alone does not (hiding
        // or moving it is the shadow attack's "hide").
        if in_signed_revision && perms.docmdp != Some(3) {
            return Ok(Err(format!(
                "an annotation shown when signed ({}) changed",
                describe(old_d)
            )));
        }
        return Ok(Ok(()));
    }
    Ok(Err(format!("{} changed", describe(old_d))))
}

/// Whether an object is an XMP metadata stream (ISO 32000-1 §14.3.2).
fn is_xmp_stream(object: &Object) -> bool {
    matches!(object, Object::Stream(s) if s.dict.is_name("Type", "Metadata") && s.dict.is_name("Subtype", "XML"))
}

/// The catalog's XMP metadata may be rewritten: nothing in it is shown. The rule holds only
/// while the new object is again an XMP stream and the old one served nothing but the
/// catalog's /Metadata — a stream that is also a page's content or an XObject is what the
/// signer saw, and rewriting it under the name of metadata would be a shadow attack.
fn metadata_rule<S: Source>(
    view: &RevisionView<'_, S>,
    roles: &Roles,
    metadata: ObjRef,
    new: &Object,
) -> Explained {
    if !is_xmp_stream(new) {
        return Err(format!("the XMP metadata was replaced by a {}", new.kind()));
    }
    if reachable_besides_catalog_metadata(view, roles.catalog, metadata) {
        return Err("the metadata stream is also used by the document's content".into());
    }
    Ok(())
}

/// Whether `target` is reachable in `view` from the trailer other than through the catalog's
/// /Metadata entry.
fn reachable_besides_catalog_metadata<S: Source>(
    view: &RevisionView<'_, S>,
    catalog: Option<ObjRef>,
    target: ObjRef,
) -> bool {
    let limit = view.document().limits().max_pdf_objects as usize;
    let mut seen: HashSet<ObjRef> = HashSet::new();
    let mut stack: Vec<Object> = view.trailer().iter().map(|(_, v)| v.clone()).collect();
    while let Some(o) = stack.pop() {
        match o {
            Object::Ref(r) => {
                if r == target {
                    return true;
                }
                // Past the limit the answer is unknown: say "used", which forbids the change.
                if seen.len() >= limit {
                    return true;
                }
                if !seen.insert(r) {
                    continue;
                }
                // A damaged object might refer to anything: count it as a use.
                let Ok(object) = view.get(r) else {
                    return true;
                };
                match object.map(|o| o.object.clone()) {
                    Some(Object::Dict(d)) if Some(r) == catalog => stack.extend(
                        d.iter()
                            .filter(|(k, _)| k.as_str() != Some("Metadata"))
                            .map(|(_, v)| v.clone()),
                    ),
                    Some(other) => stack.push(other),
                    None => {}
                }
            }
            Object::Array(a) => stack.extend(a.iter().cloned()),
            Object::Dict(d) => stack.extend(d.iter().map(|(_, v)| v.clone())),
            Object::Stream(s) => stack.extend(s.dict.iter().map(|(_, v)| v.clone())),
            _ => {}
        }
    }
    false
}

fn describe(d: &Dictionary) -> String {
    match d.get_name("Type").and_then(|n| n.as_str()) {
        Some(t) => format!("a /{t} dictionary"),
        None => "a dictionary".into(),
    }
}

/// The document information dictionary is metadata that no page shows: writers (pyHanko,
/// Acrobat) refresh /Producer and /ModDate on every update. The rule holds only while the
/// dictionary is plain metadata before and after — text strings, and the /Trapped name — so
/// that an object also used as something shown (a font, an annotation) cannot pass as /Info.
fn info_rule(old: &Dictionary, new: &Dictionary) -> Explained {
    let plain = |d: &Dictionary| {
        d.iter().all(|(k, v)| match v {
            Object::String(_) | Object::Null => true,
            Object::Name(_) => k.as_bytes() == b"Trapped",
            _ => false,
        })
    };
    if plain(old) && plain(new) {
        Ok(())
    } else {
        Err("the document information dictionary holds more than metadata".into())
    }
}

/// The form may gain fields (all old ones kept), /SigFlags and new /DR entries.
fn form_rule<S: Source>(
    doc: &Document<S>,
    old: &Dictionary,
    new: &Dictionary,
) -> Result<Explained> {
    for k in changed_keys(doc, old, new)? {
        match k.as_str() {
            "SigFlags" => {}
            "Fields" => match (old.get("Fields"), new.get("Fields")) {
                (Some(Object::Array(a)), Some(Object::Array(b))) => {
                    if let Err(e) = appended_only(doc, a, b, "/Fields") {
                        return Ok(Err(e));
                    }
                }
                (None, Some(_)) => {}
                _ => return Ok(Err("/AcroForm /Fields replaced".into())),
            },
            "DR" => match (old.get("DR"), new.get("DR")) {
                (Some(Object::Dict(a)), Some(Object::Dict(b))) => {
                    if a.iter()
                        .any(|(k, v)| b.get(k.as_str().unwrap_or("")) != Some(v))
                    {
                        return Ok(Err("/AcroForm /DR entries changed".into()));
                    }
                }
                (None, _) => {}
                _ => return Ok(Err("/AcroForm /DR replaced".into())),
            },
            other => return Ok(Err(format!("/AcroForm /{other} changed"))),
        }
    }
    Ok(Ok(()))
}

/// `new` keeps every element of `old`, in order, and adds at the end.
fn appended_only<S: Source>(doc: &Document<S>, old: &Array, new: &Array, what: &str) -> Explained {
    if new.len() < old.len() {
        return Err(format!("{what} lost entries"));
    }
    for (a, b) in old.iter().zip(new.iter()) {
        if !matches!(same_object(doc, a, b), Ok(true)) {
            return Err(format!("{what} entries changed"));
        }
    }
    Ok(())
}

/// The Document Security Store holds validation data (PAdES B-LT): later updates add
/// certificates, CRLs, OCSP responses and VRI entries to it, as pyHanko and kyso do when they
/// add a document time-stamp. Nothing in it is shown. The rule holds only while the dictionary
/// has the DSS's keys and nothing else, before and after, so that an object that is also
/// something shown cannot pass as the DSS; what its entries refer to is checked on its own.
fn dss_rule(old: &Dictionary, new: &Dictionary) -> Explained {
    let dss_shaped = |d: &Dictionary| {
        d.iter().all(|(k, _)| {
            matches!(
                k.as_bytes(),
                b"Certs" | b"CRLs" | b"OCSPs" | b"VRI" | b"Type"
            )
        }) && d.get("Type").is_none_or(|_| d.is_name("Type", "DSS"))
    };
    if dss_shaped(old) && dss_shaped(new) {
        Ok(())
    } else {
        Err("the document security store holds more than validation data".into())
    }
}

/// A page's annotations may gain new signature widgets (when signing is allowed) and other
/// new annotations (when annotations are allowed); existing ones stay. An added annotation
/// must be a new object (an object the previous revision had would bring its old role along),
/// and every annotation other than a signature widget is noted in the report, since it may
/// cover what the signer saw.
fn annots_rule<S: Source>(
    doc: &Document<S>,
    old: &Array,
    new: &Array,
    before: &Roles,
    after_view: &RevisionView<'_, S>,
    perms: &Permissions,
    notes: &mut Vec<String>,
) -> Result<Explained> {
    let previous = after_view.index().checked_sub(1).and_then(|k| doc.view(k));
    if let Err(e) = appended_only(doc, old, new, "/Annots") {
        return Ok(Err(e));
    }
    for added in new.iter().skip(old.len()) {
        let Some(r) = added.as_ref() else {
            return Ok(Err("an inline annotation was added".into()));
        };
        let existed = match previous {
            Some(v) => v.get(r)?.is_some(),
            None => false,
        };
        if existed || before.fields.contains_key(&r) || before.pages.contains(&r) {
            return Ok(Err(format!("existing object {r} added as an annotation")));
        }
        let Some(obj) = after_view.get(r)? else {
            return Ok(Err(format!("annotation {r} does not exist")));
        };
        let Some(d) = obj.object.as_dict() else {
            return Ok(Err(format!("annotation {r} is not a dictionary")));
        };
        let is_sig_widget = d.is_name("Subtype", "Widget")
            && (d.is_name("FT", "Sig")
                || d.get("Parent")
                    .and_then(|p| after_view.resolve_dict(p, "a field").ok().flatten())
                    .is_some_and(|p| p.is_name("FT", "Sig")));
        // A document time-stamp is allowed even where no further signature is (PAdES LTA).
        let is_doc_timestamp = is_sig_widget
            && d.get("V")
                .and_then(|v| after_view.resolve_dict(v, "a signature").ok().flatten())
                .is_some_and(|v| {
                    v.is_name("Type", "DocTimeStamp") && v.is_name("SubFilter", "ETSI.RFC3161")
                });
        if is_doc_timestamp {
            // Allowed after every certification level.
        } else if is_sig_widget {
            if !perms.signing() {
                return Ok(Err("the certification allows no further signatures".into()));
            }
        } else if !perms.annotations() {
            return Ok(Err(format!(
                "annotation {r} added, which the certification does not allow"
            )));
        } else {
            let subtype = d
                .get_name("Subtype")
                .and_then(|n| n.as_str())
                .unwrap_or("?");
            notes.push(format!(
                "annotation_added: {r} (/{subtype}) was added to a page after signing"
            ));
        }
    }
    Ok(Ok(()))
}

/// Keys whose values differ (including added and removed keys).
fn changed_keys<S: Source>(
    doc: &Document<S>,
    old: &Dictionary,
    new: &Dictionary,
) -> Result<Vec<String>> {
    let mut keys: Vec<String> = Vec::new();
    for (k, v) in old.iter() {
        let name = String::from_utf8_lossy(k.as_bytes()).into_owned();
        match new.get(&name) {
            Some(w) if same_object(doc, v, w)? => {}
            _ if v.is_null() && new.get(&name).is_none() => {}
            _ => keys.push(name),
        }
    }
    for (k, v) in new.iter() {
        let name = String::from_utf8_lossy(k.as_bytes()).into_owned();
        if old.get(&name).is_none() && !v.is_null() {
            keys.push(name);
        }
    }
    Ok(keys)
}

/// Structural equality: values equal, spans ignored; streams equal in dictionary and data.
fn same_object<S: Source>(doc: &Document<S>, a: &Object, b: &Object) -> Result<bool> {
    Ok(match (a, b) {
        (Object::Array(x), Object::Array(y)) => {
            if x.len() != y.len() {
                return Ok(false);
            }
            for (p, q) in x.iter().zip(y.iter()) {
                if !same_object(doc, p, q)? {
                    return Ok(false);
                }
            }
            true
        }
        (Object::Dict(x), Object::Dict(y)) => changed_keys(doc, x, y)?.is_empty(),
        (Object::Stream(x), Object::Stream(y)) => {
            changed_keys(doc, &x.dict, &y.dict)?.is_empty() && same_stream_data(doc, x, y)?
        }
        (Object::Real(x), Object::Real(y)) => x.to_bits() == y.to_bits() || x == y,
        // `1` and `1.0` are the same number; writers differ in how they print it.
        (Object::Int(x), Object::Real(y)) | (Object::Real(y), Object::Int(x)) => *x as f64 == *y,
        // A string is its bytes: `<48>` and `(H)` are the same string.
        (Object::String(x), Object::String(y)) => x.bytes == y.bytes,
        _ => a == b,
    })
}

/// Whether two streams hold the same (encoded) bytes, compared in chunks straight from the
/// source, so that a rewritten copy of a large image costs no memory.
fn same_stream_data<S: Source>(doc: &Document<S>, x: &Stream, y: &Stream) -> Result<bool> {
    const CHUNK: u64 = 64 << 10;
    match (&x.data, &y.data) {
        (
            StreamData::InFile {
                offset: a,
                length: n,
            },
            StreamData::InFile {
                offset: b,
                length: m,
            },
        ) => {
            if n != m {
                return Ok(false);
            }
            if a == b {
                return Ok(true);
            }
            let size = usize::try_from((*n).min(CHUNK)).unwrap_or(0);
            let (mut p, mut q) = (vec![0u8; size], vec![0u8; size]);
            let mut done = 0u64;
            while done < *n {
                let len = usize::try_from((*n - done).min(CHUNK)).unwrap_or(size);
                doc.source().read_exact_at(a + done, &mut p[..len])?;
                doc.source().read_exact_at(b + done, &mut q[..len])?;
                if p[..len] != q[..len] {
                    return Ok(false);
                }
                done += len as u64;
            }
            Ok(true)
        }
        _ => Ok(doc.stream_data_raw(x)? == doc.stream_data_raw(y)?),
    }
}

/// Object numbers that objects reachable in `view` refer to but that `view` does not define.
fn dangling_refs<S: Source>(view: &RevisionView<'_, S>) -> HashSet<u32> {
    let limit = view.document().limits().max_pdf_objects as usize;
    let mut seen: HashSet<ObjRef> = HashSet::new();
    let mut dangling = HashSet::new();
    let mut stack: Vec<ObjRef> = Vec::new();
    for (_, v) in view.trailer().iter() {
        collect_refs(v, &mut stack);
    }
    while let Some(r) = stack.pop() {
        if seen.len() >= limit || !seen.insert(r) {
            continue;
        }
        match view.get(r) {
            Ok(Some(obj)) => collect_refs(&obj.object, &mut stack),
            Ok(None) => {
                dangling.insert(r.num);
            }
            // A damaged object cannot be used to hide anything the signed view shows.
            Err(_) => {}
        }
    }
    dangling
}
