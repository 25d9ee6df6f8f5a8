//! Visible signature appearances as Decree 30/2020/NĐ-CP Appendix I lays them out.
//!
//! | [`Appearance`] | what the page shows | where |
//! |---|---|---|
//! | `Leader` | the leader's signature image (blue PNG, transparent background), scaled to fit and centred | the rectangle given |
//! | `Seal` | the organization's seal image (red PNG, transparent), at its real size when the PNG says its pixel density, else as tall as the rectangle | centred on the left third of the rectangle given (the leader's) |
//! | `Copy` | three lines in Times-metric 10 pt, black: copy form or document number, organization, signing time (ISO 8601, +07:00) | the top-right corner of the page, or the rectangle given |
//! | `None` | nothing: a zero-size widget | — |
//!
//! Each appearance is a form XObject in the widget's `/AP /N`. Its `/BBox` is the box as the
//! reader sees it and its `/Matrix` turns it against the page's `/Rotate`, so images and text
//! stand upright on a rotated page. Rectangles are in the page's default user space (the
//! space of `/Rect` and `/MediaBox`), as `[x, y, width, height]`; on a page rotated by 90 or
//! 270 degrees the box a reader sees is `height` wide and `width` tall.
//!
//! The text uses Liberation Serif (metric-compatible with Times New Roman), embedded as a
//! subset with a ToUnicode map, so that Vietnamese text extracts exactly as written.
//! Images are bounded ([`MAX_IMAGE_SIDE`] pixels a side, [`MAX_IMAGE_BYTES`] decoded).
//!
//! Decree 30 wants the seal signed after the leader's signature: sign twice, the second time
//! with [`Appearance::Seal`] and the same rectangle. The seal's widget is a new signature
//! widget in a new revision, which leaves the leader's signature valid.

mod font;
mod image;
mod text;

use time::OffsetDateTime;

use super::fields::Field;
use super::object::{Array, Dictionary, Name, ObjRef, Object, Stream};
use super::pages::Page;
use super::writer::IncrementalWriter;
use super::{RevisionView, Source};
use crate::error::{Error, Format, Result};

pub use image::{MAX_DECODED_BYTES as MAX_IMAGE_BYTES, MAX_SIDE as MAX_IMAGE_SIDE};

/// Distance of the copy notice from the top and right edges of the page, in points (5 mm:
/// inside the 20 mm top margin of Decree 30 documents).
const COPY_MARGIN: f64 = 14.0;
/// Largest rectangle side accepted, in points (ISO 32000-1 Annex C: 14 400 units).
const MAX_RECT_SIDE: f64 = 14_400.0;

/// What a signature shows on the page (Decree 30/2020 Appendix I).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Appearance {
    /// No visible appearance: the widget has a zero-size rectangle.
    #[default]
    None,
    /// The leader's signature (chữ ký của người có thẩm quyền): a PNG image, scaled to fit the
    /// rectangle keeping its aspect ratio, centred.
    Leader {
        /// The PNG file's bytes.
        image: Vec<u8>,
    },
    /// The organization's seal (chữ ký số của cơ quan, tổ chức): a PNG image over the left
    /// third of the rectangle (give the leader's), at real size when the PNG has a `pHYs`
    /// density, else as tall as the rectangle.
    Seal {
        /// The PNG file's bytes.
        image: Vec<u8>,
    },
    /// An electronic copy or attachment (bản sao điện tử / phụ lục): text in the top-right
    /// corner of the page (or in the rectangle given), Times-metric 10 pt, black.
    Copy {
        /// The lines to show; `None` for Decree 30's three lines: the signature's reason (or
        /// "Bản sao điện tử"), the signer certificate's organization, the signing time.
        lines: Option<Vec<String>>,
    },
}

impl Appearance {
    /// Whether the signature shows on the page.
    pub fn is_visible(&self) -> bool {
        !matches!(self, Appearance::None)
    }
}

/// What an appearance may tell about the signing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Signing<'a> {
    /// The signer certificate's organization (O), else its common name.
    pub organization: Option<&'a str>,
    /// The signing time written in the signature.
    pub time: OffsetDateTime,
    /// The signature's reason: the copy form or document number of a copy.
    pub reason: Option<&'a str>,
}

/// What the caller asked for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Request<'a> {
    /// The appearance.
    pub appearance: &'a Appearance,
    /// `[x, y, width, height]` in the page's user space.
    pub rect: Option<[f64; 4]>,
    /// Facts about the signing.
    pub signing: Option<Signing<'a>>,
}

/// An appearance written into the update.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Drawn {
    /// The widget's `/Rect`: `[llx, lly, urx, ury]` in user space.
    pub rect: [f64; 4],
    /// The form XObject for `/AP /N`.
    pub form: ObjRef,
}

impl Drawn {
    /// The `/Rect` array.
    pub fn rect_array(&self) -> Array {
        let mut a = Array::new();
        for v in self.rect {
            a.push(number(v));
        }
        a
    }

    /// The `/AP` dictionary.
    pub fn ap(&self) -> Dictionary {
        let mut ap = Dictionary::new();
        ap.set("N", self.form);
        ap
    }
}

/// A number rounded to three decimals, written as an integer when it is one.
fn number(v: f64) -> Object {
    let r = (v * 1000.0).round() / 1000.0;
    if r.fract() == 0.0 && r.abs() < 1e15 {
        Object::Int(r as i64)
    } else {
        Object::Real(r)
    }
}

fn malformed(detail: impl Into<String>) -> Error {
    Error::malformed(Format::Pdf, detail)
}

/// Whether the request draws anything; a rectangle without an appearance is refused.
fn shows(request: &Request<'_>) -> Result<bool> {
    if request.appearance.is_visible() {
        return Ok(true);
    }
    if request.rect.is_some() {
        return Err(Error::InvalidOption(
            "a rectangle needs a visible appearance (leader, seal or copy)".into(),
        ));
    }
    Ok(false)
}

/// Draws the appearance for a new widget on `page`; `None` when nothing shows.
pub(crate) fn draw_new<S: Source>(
    view: &RevisionView<'_, S>,
    page: &Page,
    request: &Request<'_>,
    writer: &mut IncrementalWriter<'_, S>,
) -> Result<Option<Drawn>> {
    if !shows(request)? {
        return Ok(None);
    }
    let page_box = PageBox::of(view, page)?;
    draw(&page_box, request.rect, request, writer).map(Some)
}

/// Draws the appearance on an existing, empty signature field's first widget, which keeps
/// its rectangle (a rectangle asked for must be the same). `field_dict` is the field's new
/// dictionary (object `id`), written by the caller: a widget merged with its field gets its
/// `/AP` there, a separate widget is rewritten here.
pub(crate) fn draw_on_field<S: Source>(
    view: &RevisionView<'_, S>,
    field: &Field,
    id: ObjRef,
    field_dict: &mut Dictionary,
    request: &Request<'_>,
    writer: &mut IncrementalWriter<'_, S>,
) -> Result<()> {
    if !shows(request)? {
        return Ok(());
    }
    let widget = *field.widgets.first().ok_or_else(|| {
        Error::InvalidOption(format!(
            "field {} has no widget to show the appearance on",
            field.name
        ))
    })?;
    let mut widget_dict = if widget == id {
        field_dict.clone()
    } else {
        view.resolve_dict(&Object::Ref(widget), "a signature widget")?
            .unwrap_or_default()
    };
    let rect = match widget_dict.get("Rect") {
        Some(r) => box_of(view, r, "the widget's /Rect")?,
        None => return Err(malformed("the signature widget has no /Rect")),
    };
    let field_rect = [rect[0], rect[1], rect[2] - rect[0], rect[3] - rect[1]];
    if let Some(asked) = request.rect
        && asked
            .iter()
            .zip(field_rect)
            .any(|(a, b)| (a - b).abs() > 0.01)
    {
        return Err(Error::InvalidOption(
            "the signature field already has its rectangle; a rectangle is for new fields".into(),
        ));
    }
    let page = widget_page(view, widget, &widget_dict)?;
    let page_box = PageBox::of(view, &page)?;
    let drawn = draw(&page_box, Some(field_rect), request, writer)?;
    if widget == id {
        field_dict.set("AP", drawn.ap());
    } else {
        widget_dict.set("AP", drawn.ap());
        writer.set(widget, Object::Dict(widget_dict))?;
    }
    Ok(())
}

/// The page whose `/Annots` holds the widget, else the one its `/P` names.
fn widget_page<S: Source>(
    view: &RevisionView<'_, S>,
    widget: ObjRef,
    widget_dict: &Dictionary,
) -> Result<Page> {
    let pages = view.pages()?;
    for page in &pages {
        if let Some(annots) = page.dict.get("Annots")
            && let Object::Array(a) = view.resolve(annots)?
            && a.iter().any(|o| o.as_ref() == Some(widget))
        {
            return Ok(page.clone());
        }
    }
    let by_parent = widget_dict
        .get_ref("P")
        .and_then(|p| pages.iter().find(|page| page.id == p));
    by_parent
        .cloned()
        .ok_or_else(|| malformed("the signature widget is on no page"))
}

/// A page's visible box (`/CropBox`, else `/MediaBox`) and rotation.
#[derive(Debug, Clone, Copy, PartialEq)]
struct PageBox {
    /// `[llx, lly, urx, ury]`.
    bounds: [f64; 4],
    /// Clockwise rotation when shown: 0, 90, 180 or 270.
    rotate: u16,
}

impl PageBox {
    fn of<S: Source>(view: &RevisionView<'_, S>, page: &Page) -> Result<Self> {
        let bounds = match (&page.crop_box, &page.media_box) {
            (Some(b), _) => box_of(view, b, "/CropBox")?,
            (None, Some(b)) => box_of(view, b, "/MediaBox")?,
            (None, None) => return Err(malformed("the page has no /MediaBox")),
        };
        let rotate = match &page.rotate {
            Some(r) => view.resolve(r)?.as_int().unwrap_or(0),
            None => 0,
        };
        // ISO 32000-1 §7.7.3.3: a multiple of 90; anything else is read as no rotation.
        let rotate = match rotate.rem_euclid(360) {
            r @ (90 | 180 | 270) => r as u16,
            _ => 0,
        };
        Ok(PageBox { bounds, rotate })
    }

    /// The page as its reader sees it, upright.
    fn frame(&self) -> Frame {
        let [llx, lly, urx, ury] = self.bounds;
        Frame::new([llx, lly, urx - llx, ury - lly], self.rotate)
    }
}

/// A box of four numbers, normalised to `[llx, lly, urx, ury]`.
fn box_of<S: Source>(view: &RevisionView<'_, S>, o: &Object, what: &str) -> Result<[f64; 4]> {
    let Object::Array(a) = view.resolve(o)? else {
        return Err(malformed(format!("{what} is not an array")));
    };
    let mut v = [0.0; 4];
    if a.len() != 4 {
        return Err(malformed(format!("{what} does not have four numbers")));
    }
    for (slot, item) in v.iter_mut().zip(a.iter()) {
        *slot = view
            .resolve(item)?
            .as_number()
            .filter(|n| n.is_finite())
            .ok_or_else(|| malformed(format!("{what} holds something other than a number")))?;
    }
    Ok([
        v[0].min(v[2]),
        v[1].min(v[3]),
        v[0].max(v[2]),
        v[1].max(v[3]),
    ])
}

/// An upright box on a rotated page: coordinates `(0, 0)`–`(width, height)` as the reader
/// sees them, placed on a rectangle of user space.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Frame {
    /// The user-space rectangle `[x, y, width, height]`.
    user: [f64; 4],
    /// Clockwise rotation of the page.
    rotate: u16,
    /// Width as seen.
    width: f64,
    /// Height as seen.
    height: f64,
}

impl Frame {
    fn new(user: [f64; 4], rotate: u16) -> Self {
        let (width, height) = if rotate % 180 == 90 {
            (user[3], user[2])
        } else {
            (user[2], user[3])
        };
        Frame {
            user,
            rotate,
            width,
            height,
        }
    }

    /// The rotation that makes seen coordinates user coordinates, `[a b c d]`: turning
    /// counter-clockwise by the page's rotation undoes it.
    fn rotation(rotate: u16) -> [f64; 4] {
        match rotate {
            90 => [0.0, 1.0, -1.0, 0.0],
            180 => [-1.0, 0.0, 0.0, -1.0],
            270 => [0.0, -1.0, 1.0, 0.0],
            _ => [1.0, 0.0, 0.0, 1.0],
        }
    }

    /// The `/Matrix` of a form whose `/BBox` is `[0 0 width height]` as seen: the rotation,
    /// and a shift that puts the turned box back at the origin.
    fn form_matrix(rotate: u16, width: f64, height: f64) -> [f64; 6] {
        let [a, b, c, d] = Frame::rotation(rotate);
        let (tx, ty) = match rotate {
            90 => (height, 0.0),
            180 => (width, height),
            270 => (0.0, width),
            _ => (0.0, 0.0),
        };
        [a, b, c, d, tx, ty]
    }

    /// A box `[x, y, width, height]` of this frame as a user-space `[llx, lly, urx, ury]`.
    fn user_box(&self, b: [f64; 4]) -> [f64; 4] {
        let m = Frame::form_matrix(self.rotate, self.width, self.height);
        let [x0, y0] = [self.user[0], self.user[1]];
        let corners = [
            (b[0], b[1]),
            (b[0] + b[2], b[1]),
            (b[0], b[1] + b[3]),
            (b[0] + b[2], b[1] + b[3]),
        ];
        let mut out = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        for (x, y) in corners {
            let ux = x0 + m[0] * x + m[2] * y + m[4];
            let uy = y0 + m[1] * x + m[3] * y + m[5];
            out[0] = out[0].min(ux);
            out[1] = out[1].min(uy);
            out[2] = out[2].max(ux);
            out[3] = out[3].max(uy);
        }
        out
    }
}

/// Checks a caller's `[x, y, width, height]` against the page.
fn check_rect(rect: [f64; 4], page: &PageBox) -> Result<()> {
    let [x, y, w, h] = rect;
    if rect.iter().any(|v| !v.is_finite()) {
        return Err(Error::InvalidOption(
            "the rectangle has a non-finite number".into(),
        ));
    }
    if !(w > 0.0 && h > 0.0 && w <= MAX_RECT_SIDE && h <= MAX_RECT_SIDE) {
        return Err(Error::InvalidOption(format!(
            "the rectangle's width and height must be above 0 and at most {MAX_RECT_SIDE} points"
        )));
    }
    let [llx, lly, urx, ury] = page.bounds;
    if x >= urx || y >= ury || x + w <= llx || y + h <= lly {
        return Err(Error::InvalidOption(format!(
            "the rectangle [{x} {y} {w} {h}] lies outside the page [{llx} {lly} {urx} {ury}]"
        )));
    }
    Ok(())
}

fn draw<S: Source>(
    page: &PageBox,
    rect: Option<[f64; 4]>,
    request: &Request<'_>,
    writer: &mut IncrementalWriter<'_, S>,
) -> Result<Drawn> {
    if let Some(r) = rect {
        check_rect(r, page)?;
    }
    let needs_rect = || {
        Error::InvalidOption("a leader or seal appearance needs a rectangle (x, y, w, h)".into())
    };
    match request.appearance {
        Appearance::None => Err(Error::InvalidOption("no appearance to draw".into())),
        Appearance::Leader { image } => {
            let frame = Frame::new(rect.ok_or_else(needs_rect)?, page.rotate);
            let decoded = image::decode_png(image)?;
            // Fit and centre, keeping the aspect ratio.
            let scale = (frame.width / f64::from(decoded.width))
                .min(frame.height / f64::from(decoded.height));
            let (w, h) = (
                f64::from(decoded.width) * scale,
                f64::from(decoded.height) * scale,
            );
            let placed = [(frame.width - w) / 2.0, (frame.height - h) / 2.0, w, h];
            let image_ref = image::add_image(writer, &decoded)?;
            let form = image_form(writer, &frame, frame.width, frame.height, placed, image_ref)?;
            Ok(Drawn {
                rect: frame.user_box([0.0, 0.0, frame.width, frame.height]),
                form,
            })
        }
        Appearance::Seal { image } => {
            let frame = Frame::new(rect.ok_or_else(needs_rect)?, page.rotate);
            let decoded = image::decode_png(image)?;
            let page_frame = page.frame();
            // Real size when known and no larger than the page, else the rectangle's height.
            let (w, h) = match decoded.real_size {
                Some((w, h)) if w <= page_frame.width && h <= page_frame.height => (w, h),
                _ => (frame.height * decoded.aspect(), frame.height),
            };
            // Centred on the left third of the leader's area.
            let (cx, cy) = (frame.width / 6.0, frame.height / 2.0);
            let seal_box = [cx - w / 2.0, cy - h / 2.0, w, h];
            let image_ref = image::add_image(writer, &decoded)?;
            let form = image_form(writer, &frame, w, h, [0.0, 0.0, w, h], image_ref)?;
            Ok(Drawn {
                rect: frame.user_box(seal_box),
                form,
            })
        }
        Appearance::Copy { lines } => {
            let signing = request.signing.ok_or_else(|| {
                Error::InvalidOption("a copy notice needs the signing certificate".into())
            })?;
            let lines = match lines {
                Some(l) => l.clone(),
                None => text::copy_lines(signing.reason, signing.organization, signing.time),
            };
            let mut font = font::SubsetFont::new()?;
            let block = text::TextBlock::new(&mut font, &lines)?;
            let (frame, placed) = match rect {
                Some(r) => {
                    let frame = Frame::new(r, page.rotate);
                    (frame, [0.0, 0.0, frame.width, frame.height])
                }
                None => {
                    let frame = page.frame();
                    let x = (frame.width - COPY_MARGIN - block.width).max(0.0);
                    let y = (frame.height - COPY_MARGIN - block.height).max(0.0);
                    (frame, [x, y, block.width, block.height])
                }
            };
            let font_ref = font.write(writer)?;
            let mut fonts = Dictionary::new();
            fonts.set("F1", font_ref);
            let mut resources = Dictionary::new();
            resources.set("Font", fonts);
            let content = block.content("F1", placed[3]);
            let form = add_form(
                writer,
                frame.rotate,
                placed[2],
                placed[3],
                resources,
                content,
            )?;
            Ok(Drawn {
                rect: frame.user_box(placed),
                form,
            })
        }
    }
}

/// A form `width` × `height` (as seen) showing the image in `placed` (`[x, y, w, h]`).
fn image_form<S: Source>(
    writer: &mut IncrementalWriter<'_, S>,
    frame: &Frame,
    width: f64,
    height: f64,
    placed: [f64; 4],
    image: ObjRef,
) -> Result<ObjRef> {
    let mut xobjects = Dictionary::new();
    xobjects.set("Im0", image);
    let mut resources = Dictionary::new();
    resources.set("XObject", xobjects);
    let [x, y, w, h] = placed.map(text::num);
    let content = format!("q\n{w} 0 0 {h} {x} {y} cm\n/Im0 Do\nQ\n").into_bytes();
    add_form(writer, frame.rotate, width, height, resources, content)
}

/// Writes a form XObject with `/BBox [0 0 width height]` turned upright on a page rotated
/// by `rotate`.
fn add_form<S: Source>(
    writer: &mut IncrementalWriter<'_, S>,
    rotate: u16,
    width: f64,
    height: f64,
    resources: Dictionary,
    content: Vec<u8>,
) -> Result<ObjRef> {
    let mut dict = Dictionary::new();
    dict.set("Type", Name::from("XObject"));
    dict.set("Subtype", Name::from("Form"));
    let mut bbox = Array::new();
    for v in [0.0, 0.0, width, height] {
        bbox.push(number(v));
    }
    dict.set("BBox", bbox);
    let mut matrix = Array::new();
    for v in Frame::form_matrix(rotate, width, height) {
        matrix.push(number(v));
    }
    dict.set("Matrix", matrix);
    dict.set("Resources", resources);
    writer.add(Object::Stream(Stream::new(dict, content)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_turn_with_the_page() {
        // A 100 × 50 user rectangle at (10, 20).
        let r = [10.0, 20.0, 100.0, 50.0];
        let f = Frame::new(r, 0);
        assert_eq!((f.width, f.height), (100.0, 50.0));
        assert_eq!(
            f.user_box([0.0, 0.0, 100.0, 50.0]),
            [10.0, 20.0, 110.0, 70.0]
        );
        for rotate in [90, 270] {
            let f = Frame::new(r, rotate);
            assert_eq!((f.width, f.height), (50.0, 100.0));
            assert_eq!(
                f.user_box([0.0, 0.0, 50.0, 100.0]),
                [10.0, 20.0, 110.0, 70.0]
            );
        }
        // Page rotated 90° clockwise: seen "up" is user -x, seen "right" is user +y, so the
        // seen bottom-left 10 × 10 square sits at the user rectangle's lower-right corner.
        let f = Frame::new(r, 90);
        assert_eq!(
            f.user_box([0.0, 0.0, 10.0, 10.0]),
            [100.0, 20.0, 110.0, 30.0]
        );
        let f = Frame::new(r, 180);
        assert_eq!(
            f.user_box([0.0, 0.0, 10.0, 10.0]),
            [100.0, 60.0, 110.0, 70.0]
        );
        let f = Frame::new(r, 270);
        assert_eq!(f.user_box([0.0, 0.0, 10.0, 10.0]), [10.0, 60.0, 20.0, 70.0]);
    }

    #[test]
    fn form_matrices_keep_the_box_at_the_origin() {
        for rotate in [0, 90, 180, 270] {
            let m = Frame::form_matrix(rotate, 30.0, 20.0);
            let xs = [(0.0, 0.0), (30.0, 0.0), (0.0, 20.0), (30.0, 20.0)]
                .map(|(x, y)| (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]));
            let min_x = xs.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
            let min_y = xs.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
            assert_eq!((min_x, min_y), (0.0, 0.0), "{rotate}");
        }
    }

    #[test]
    fn rectangles_are_checked() {
        let page = PageBox {
            bounds: [0.0, 0.0, 595.0, 842.0],
            rotate: 0,
        };
        assert!(check_rect([10.0, 10.0, 100.0, 50.0], &page).is_ok());
        for bad in [
            [10.0, 10.0, 0.0, 50.0],
            [10.0, 10.0, -5.0, 50.0],
            [f64::NAN, 10.0, 5.0, 5.0],
            [600.0, 10.0, 50.0, 50.0],
            [10.0, -80.0, 50.0, 50.0],
            [0.0, 0.0, 20_000.0, 10.0],
        ] {
            assert!(
                matches!(check_rect(bad, &page), Err(Error::InvalidOption(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn numbers_stay_integers_when_they_can() {
        assert_eq!(number(12.0), Object::Int(12));
        assert_eq!(number(12.0004), Object::Int(12));
        assert_eq!(number(0.5), Object::Real(0.5));
    }
}
