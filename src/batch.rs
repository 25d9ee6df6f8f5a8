//! Verifying many files: directories expanded, a pool of workers, progress as files finish,
//! results handed over in input order, and one exit code for the whole batch.
//!
//! The CLI's `verify FILE|DIR…`, the C ABI's `kyso_verify_many` and Python's
//! `kyso.verify_many` are this module.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use crate::error::{Error, Result};
use crate::report::{Indication, ValidationReport};
use crate::validation::VerifyOptions;

/// The exit code / C ABI status of a file that could not be verified at all (unreadable,
/// neither PDF nor XML).
pub const EXIT_ERROR: i32 = 4;

/// One file of a batch and what verifying it gave.
#[derive(Debug)]
pub struct BatchItem {
    /// The file.
    pub path: PathBuf,
    /// Its report, or why there is none.
    pub outcome: Result<ValidationReport>,
}

impl BatchItem {
    /// The file's exit code: its report's, or [`EXIT_ERROR`].
    pub fn exit_code(&self) -> i32 {
        match &self.outcome {
            Ok(report) => report.exit_code(),
            Err(_) => EXIT_ERROR,
        }
    }
}

/// The exit code of a batch: an error outranks every indication, which rank as
/// [`Indication::worst`] does (failed, indeterminate, no signature, passed). An empty batch
/// passes.
pub fn exit_code(items: &[BatchItem]) -> i32 {
    let mut worst = Indication::TotalPassed;
    for item in items {
        match &item.outcome {
            Ok(report) => worst = worst.worst(report.indication),
            Err(_) => return EXIT_ERROR,
        }
    }
    worst.exit_code()
}

/// Hears about a batch while it runs. Both calls come on the thread that called
/// [`verify_many`], never from a worker.
pub trait BatchObserver {
    /// `done` of `total` files are finished (in any order).
    fn progress(&mut self, done: usize, total: usize) {
        let _ = (done, total);
    }

    /// The result of input `index`, handed over in input order as soon as it and every
    /// earlier input are finished.
    fn result(&mut self, index: usize, item: &BatchItem) {
        let _ = (index, item);
    }
}

/// Observes nothing.
impl BatchObserver for () {}

/// A progress display a front end shows while a batch prints (a terminal's progress bar).
pub trait Progress {
    /// `done` files are finished.
    fn set(&self, done: usize);
    /// Runs `print` with the display out of the way, so lines and bar do not mix.
    fn suspend(&self, print: &mut dyn FnMut());
}

/// Prints each result as the batch hands it over: reports on stdout (one JSON line each,
/// or the text in `lang`), errors on stderr, under an optional [`Progress`] display.
pub struct Printer<'a> {
    /// JSON lines instead of text.
    pub json: bool,
    /// Language of the text and of error messages.
    pub lang: crate::render::Lang,
    /// A progress display, if any.
    pub progress: Option<&'a dyn Progress>,
    /// Called when stdout is closed (`kyso verify … | head`): a CLI exits quietly.
    pub on_closed: fn(),
}

impl BatchObserver for Printer<'_> {
    fn progress(&mut self, done: usize, _total: usize) {
        if let Some(progress) = self.progress {
            progress.set(done);
        }
    }

    fn result(&mut self, _index: usize, item: &BatchItem) {
        let text = match &item.outcome {
            Ok(report) if self.json => serde_json::to_string(report).unwrap_or_default(),
            Ok(report) => crate::render::render_text(report, self.lang),
            Err(e) => {
                let message = crate::render::error_text(e, self.lang);
                return eprintln!("kyso: {}: {message}", item.path.display());
            }
        };
        let on_closed = self.on_closed;
        let mut emit = || {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            if writeln!(out, "{}", text.trim_end())
                .and_then(|()| out.flush())
                .is_err()
            {
                on_closed();
            }
        };
        match self.progress {
            Some(progress) => progress.suspend(&mut emit),
            None => emit(),
        }
    }
}

/// The files named: files as given, and under each directory its PDF and XML files
/// (recursively, by extension, sorted by path). A directory that cannot be read is an error.
pub fn collect_files(inputs: &[impl AsRef<Path>]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for input in inputs {
        let input = input.as_ref();
        if !input.is_dir() {
            out.push(input.to_path_buf());
            continue;
        }
        let mut stack = vec![input.to_path_buf()];
        let mut found = Vec::new();
        while let Some(dir) = stack.pop() {
            let entries = std::fs::read_dir(&dir)
                .map_err(|e| Error::InvalidOption(format!("{}: {e}", dir.display())))?;
            for entry in entries.flatten() {
                let p = entry.path();
                if p.is_dir() {
                    stack.push(p);
                } else if is_document(&p) {
                    found.push(p);
                }
            }
        }
        found.sort();
        out.extend(found);
    }
    Ok(out)
}

fn is_document(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "pdf" | "xml" | "edxml"))
}

/// Verifies `paths` with `jobs` workers (at least one, at most one per file) sharing one set
/// of options (so verified certificate links and fetched revocation data are shared).
/// Returns the results in input order.
pub fn verify_many(
    paths: &[PathBuf],
    options: &VerifyOptions,
    jobs: usize,
    observer: &mut dyn BatchObserver,
) -> Vec<BatchItem> {
    let total = paths.len();
    let workers = jobs.clamp(1, total.max(1));
    let verify = |path: &PathBuf| BatchItem {
        path: path.clone(),
        outcome: crate::verify_file(path, options),
    };
    if workers == 1 {
        // One worker is the caller's own thread: starting a thread costs a one-file run (the
        // common CLI call) about 3 % of its time.
        return paths
            .iter()
            .enumerate()
            .map(|(i, path)| {
                let item = verify(path);
                observer.progress(i + 1, total);
                observer.result(i, &item);
                item
            })
            .collect();
    }
    let mut slots: Vec<Option<BatchItem>> = std::iter::repeat_with(|| None).take(total).collect();
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, BatchItem)>();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let tx = tx.clone();
            let next = &next;
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = paths.get(i) else { break };
                    if tx.send((i, verify(path))).is_err() {
                        break;
                    }
                }
            });
        }
        // Only the workers hold senders now: the loop ends when the last one finishes.
        drop(tx);
        let (mut done, mut emitted) = (0, 0);
        for (i, item) in rx {
            done += 1;
            observer.progress(done, total);
            if let Some(slot) = slots.get_mut(i) {
                *slot = Some(item);
            }
            while let Some(Some(item)) = slots.get(emitted) {
                observer.result(emitted, item);
                emitted += 1;
            }
        }
    });
    slots.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(rel: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(rel)
    }

    #[derive(Default)]
    struct Record {
        progress: Vec<(usize, usize)>,
        order: Vec<usize>,
    }

    impl BatchObserver for Record {
        fn progress(&mut self, done: usize, total: usize) {
            self.progress.push((done, total));
        }
        fn result(&mut self, index: usize, _: &BatchItem) {
            self.order.push(index);
        }
    }

    #[test]
    fn results_come_in_input_order_with_progress_for_each_file() {
        let mut paths = collect_files(&[fixture("docs")]).expect("docs");
        paths.push(fixture("docs/no-such.pdf"));
        assert!(paths.len() > 3, "{paths:?}");
        let mut record = Record::default();
        let items = verify_many(&paths, &VerifyOptions::default(), 3, &mut record);
        let got: Vec<&PathBuf> = items.iter().map(|i| &i.path).collect();
        assert_eq!(got, paths.iter().collect::<Vec<_>>());
        assert_eq!(record.order, (0..paths.len()).collect::<Vec<_>>());
        let n = paths.len();
        assert_eq!(record.progress, (1..=n).map(|d| (d, n)).collect::<Vec<_>>());
        // The missing file is an error, and an error outranks every indication.
        assert!(items.last().is_some_and(|i| i.outcome.is_err()));
        assert_eq!(exit_code(&items), EXIT_ERROR);
        // The fixture documents are unsigned.
        assert_eq!(exit_code(&items[..items.len() - 1]), 3);
    }

    #[test]
    fn directories_hold_only_their_pdf_and_xml_files_sorted() {
        let dir = tempfile::tempdir().expect("tmp");
        for name in ["b.pdf", "a.XML", "notes.txt", "sub/c.pdf"] {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, b"x").expect("write");
        }
        let files = collect_files(&[dir.path()]).expect("collect");
        let names: Vec<String> = files
            .iter()
            .map(|p| {
                p.strip_prefix(dir.path())
                    .expect("under")
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(names, ["a.XML", "b.pdf", "sub/c.pdf"]);
    }

    #[test]
    fn the_batch_exit_code_ranks_failed_above_indeterminate_above_no_signature() {
        use crate::report::{DocumentFormat, SignatureReport, SubIndication};
        let item = |indication: Option<Indication>| {
            let signatures = match indication {
                Some(i) => {
                    let mut s = SignatureReport::new("S", "PAdES-B-B");
                    match i {
                        Indication::TotalPassed => s.indication = i,
                        _ => s.fail(i, SubIndication::HashFailure, "x"),
                    }
                    vec![s]
                }
                None => vec![],
            };
            BatchItem {
                path: PathBuf::new(),
                outcome: Ok(ValidationReport::new(DocumentFormat::Pdf, signatures)),
            }
        };
        let passed = || item(Some(Indication::TotalPassed));
        assert_eq!(exit_code(&[passed()]), 0);
        assert_eq!(exit_code(&[passed(), item(None)]), 3);
        assert_eq!(
            exit_code(&[item(None), item(Some(Indication::Indeterminate))]),
            2
        );
        assert_eq!(
            exit_code(&[
                item(Some(Indication::TotalFailed)),
                item(Some(Indication::Indeterminate))
            ]),
            1
        );
        assert_eq!(exit_code(&[]), 0);
    }
}
