//! Fuzz target: hardened XML parsing and the six canonicalizations, of the whole document
//! and of a subtree with an excluded descendant.

use kyso::xml::c14n::{C14nMethod, Canonicalizer};
use kyso::xml::{IdAttributes, XmlDocument};

const METHODS: [C14nMethod; 6] = [
    C14nMethod::Inclusive10,
    C14nMethod::Inclusive10WithComments,
    C14nMethod::Inclusive11,
    C14nMethod::Inclusive11WithComments,
    C14nMethod::Exclusive10,
    C14nMethod::Exclusive10WithComments,
];

fn main() {
    let limits = kyso::Limits::default();
    let ids = IdAttributes::default();
    loop {
        honggfuzz::fuzz!(|data: &[u8]| {
            let Some((&selector, data)) = data.split_first() else {
                return;
            };
            let Ok(doc) = XmlDocument::from_bytes(data, &limits, &ids) else {
                return;
            };
            let method = METHODS[usize::from(selector) % METHODS.len()];
            let c = Canonicalizer::new(method);
            let root = doc.root_element();
            let _ = c.subtree_to_vec(doc.doc().root(), &[]);
            let inner: Vec<_> = root
                .descendants()
                .filter(|n| n.is_element())
                .take(3)
                .collect();
            if let [_, apex, excluded, ..] = inner.as_slice() {
                let _ = c.subtree_to_vec(*apex, &[*excluded]);
            }
        });
    }
}
