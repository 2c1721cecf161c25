//! Where reference bases come from when decoding CRAM: an indexed FASTA
//! file (plain or bgzipped), local files named by the sequence's MD5 in
//! htslib's `REF_CACHE`/`REF_PATH` layout, or nothing (reference-less and
//! unmapped-only files, and files with embedded references, need none).
//! The network is never used.

use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};

use crate::formats::fasta::{FastaFile, IndexedReader, Interval, ReadAt};
use crate::{Error, ErrorKind, Format, Result};

/// A source of reference sequence bases, cheap to clone and shared
/// between threads.
///
/// ```no_run
/// use biometal::formats::cram::ReferenceSource;
/// let reference = ReferenceSource::from_fasta_path("ref.fa")?;
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct ReferenceSource {
    fasta: Option<Arc<IndexedReader<FastaFile>>>,
    md5_templates: Arc<Vec<String>>,
    /// Whole sequences fetched for multi-reference slices, by name, MD5
    /// and length, kept while some decoder (on any thread) holds them.
    whole_sequences: Arc<Mutex<Vec<WholeSequence>>>,
}

/// A whole sequence's key (name, MD5, length) and the sequence, alive
/// while a decoder holds it.
type WholeSequence = (String, Weak<[u8]>);

impl fmt::Debug for ReferenceSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReferenceSource")
            .field("fasta", &self.fasta.is_some())
            .field("md5_templates", &self.md5_templates)
            .finish()
    }
}

impl ReferenceSource {
    /// No external reference: only files that do not need one decode.
    ///
    /// ```
    /// use biometal::formats::cram::ReferenceSource;
    /// assert!(!ReferenceSource::none().is_available());
    /// ```
    pub fn none() -> Self {
        ReferenceSource::default()
    }

    /// An indexed FASTA file (`.fai` beside it, and `.gzi` when bgzipped;
    /// missing indexes are built in memory).
    ///
    /// # Errors
    /// When the file cannot be opened or indexed.
    pub fn from_fasta_path(path: impl AsRef<Path>) -> Result<Self> {
        Ok(Self::from_indexed_fasta(IndexedReader::from_path(path)?))
    }

    /// An already opened indexed FASTA reader.
    pub fn from_indexed_fasta(reader: IndexedReader<FastaFile>) -> Self {
        ReferenceSource {
            fasta: Some(Arc::new(reader)),
            ..Self::default()
        }
    }

    /// Adds local places to look sequences up by their `@SQ M5`, in
    /// htslib's syntax: a template where `%Ns` stands for the next `N`
    /// characters of the MD5 and `%s` for the rest (`/refs/%2s/%2s/%s`), or
    /// a directory holding files named by the MD5. A file holds the bare
    /// sequence (upper case, no line breaks). Entries that are URLs are
    /// ignored: the network is never used. They are tried after the FASTA
    /// file, in order.
    ///
    /// ```
    /// use biometal::formats::cram::ReferenceSource;
    /// let reference = ReferenceSource::none().with_md5_paths(["/refs/%2s/%2s/%s"]);
    /// assert!(reference.is_available());
    /// ```
    pub fn with_md5_paths<S: Into<String>>(
        mut self,
        templates: impl IntoIterator<Item = S>,
    ) -> Self {
        let mut all = (*self.md5_templates).clone();
        all.extend(
            templates
                .into_iter()
                .map(Into::into)
                .filter(|t| !t.is_empty() && !t.contains("://")),
        );
        self.md5_templates = Arc::new(all);
        self
    }

    /// Adds htslib's environment: `REF_CACHE` (one template), then each
    /// entry of `REF_PATH` (`:`-separated; URL entries are skipped).
    pub fn with_md5_paths_from_env(self) -> Self {
        let mut templates = Vec::new();
        if let Ok(cache) = std::env::var("REF_CACHE") {
            templates.push(cache);
        }
        if let Ok(path) = std::env::var("REF_PATH") {
            // `http://` entries split at their colon; a URL's pieces are
            // dropped below as they are not local paths.
            let mut parts = path.split(':').peekable();
            while let Some(part) = parts.next() {
                if matches!(part, "http" | "https" | "ftp") {
                    parts.next();
                    continue;
                }
                templates.push(part.to_string());
            }
        }
        self.with_md5_paths(templates)
    }

    /// What `samtools view [-T FASTA]` uses: the indexed FASTA when one is
    /// given (else no FASTA), plus `REF_CACHE`/`REF_PATH` from the
    /// environment for references found by their MD5.
    ///
    /// ```
    /// use biometal::formats::cram::ReferenceSource;
    ///
    /// let reference = ReferenceSource::from_fasta_path_and_env(None::<&str>)?;
    /// # let _ = reference;
    /// # Ok::<(), biometal::Error>(())
    /// ```
    pub fn from_fasta_path_and_env(fasta: Option<impl AsRef<Path>>) -> Result<Self> {
        let source = match fasta {
            Some(path) => Self::from_fasta_path(path)?,
            None => Self::none(),
        };
        Ok(source.with_md5_paths_from_env())
    }

    /// Whether any external reference is configured.
    pub fn is_available(&self) -> bool {
        self.fasta.is_some() || !self.md5_templates.is_empty()
    }

    /// The path `template` gives for `md5`.
    fn expand(template: &str, md5: &str) -> PathBuf {
        if !template.contains("%s") && !template.contains('%') {
            return Path::new(template).join(md5);
        }
        let mut out = String::new();
        let mut rest = md5;
        let mut chars = template.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            let mut digits = String::new();
            while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                digits.push(*d);
                chars.next();
            }
            match chars.next() {
                Some('s') => {
                    let n = digits.parse().unwrap_or(rest.len()).min(rest.len());
                    out.push_str(&rest[..n]);
                    rest = &rest[n..];
                }
                Some(other) => {
                    out.push('%');
                    out.push_str(&digits);
                    out.push(other);
                }
                None => out.push('%'),
            }
        }
        PathBuf::from(out)
    }

    /// The length of reference `name`, if the source knows it.
    pub(crate) fn length(&self, name: &str) -> Option<u64> {
        self.fasta
            .as_ref()
            .and_then(|fasta| fasta.index().get(name.as_bytes()))
            .map(|record| record.length())
    }

    /// The whole sequence `name` (of `length` bases by the header), shared
    /// with every other reader and thread that holds it now; fetched when
    /// none does.
    pub(crate) fn fetch_whole(
        &self,
        name: &str,
        md5: Option<&str>,
        length: u64,
    ) -> Result<Arc<[u8]>> {
        let key = format!("{name}\0{}\0{length}", md5.unwrap_or(""));
        let held = |cache: &[WholeSequence]| {
            cache
                .iter()
                .find(|(k, _)| *k == key)
                .and_then(|(_, sequence)| sequence.upgrade())
        };
        // A poisoned lock only means another thread panicked while holding
        // it; the list itself is always consistent.
        let lock = || {
            self.whole_sequences
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        if let Some(sequence) = held(&lock()) {
            return Ok(sequence);
        }
        let mut bases = Vec::new();
        self.fetch(name, md5, 0, length, &mut bases)?;
        let mut cache = lock();
        if let Some(sequence) = held(&cache) {
            // Another thread fetched it meanwhile.
            return Ok(sequence);
        }
        let sequence: Arc<[u8]> = Arc::from(bases);
        cache.retain(|(_, sequence)| sequence.strong_count() > 0);
        cache.push((key, Arc::downgrade(&sequence)));
        Ok(sequence)
    }

    /// Fetches the 0-based half-open span `[start, end)` of `name` (whose
    /// `@SQ M5` is `md5`) into `out` in upper case, clamped to the
    /// sequence's end: from the FASTA file, else from the MD5 paths.
    pub(crate) fn fetch(
        &self,
        name: &str,
        md5: Option<&str>,
        start: u64,
        end: u64,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let mut tried = Vec::new();
        if let Some(fasta) = &self.fasta {
            if fasta.index().get(name.as_bytes()).is_some() {
                let interval = Interval::new(start, end.max(start))?;
                fasta
                    .fetch_into(name.as_bytes(), interval, out)
                    .map_err(|e| {
                        Error::new(
                            e.kind(),
                            Format::Cram,
                            format!("cannot fetch reference {name}:{}-{end}: {e}", start + 1),
                        )
                    })?;
                out.make_ascii_uppercase();
                return Ok(());
            }
            tried.push(format!("{name} is not in the FASTA file"));
        }
        if let Some(md5) = md5.filter(|m| m.len() == 32 && m.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            for template in self.md5_templates.iter() {
                let path = Self::expand(template, md5);
                match File::open(&path) {
                    Ok(file) => return read_span(&file, &path, start, end, out),
                    Err(_) => tried.push(path.display().to_string()),
                }
            }
        } else if !self.md5_templates.is_empty() {
            tried.push(format!("no usable @SQ M5 for {name}"));
        }
        let what = if tried.is_empty() {
            "no reference was given (set one with ReaderBuilder::reference, or --reference)"
                .to_string()
        } else {
            format!("tried: {}", tried.join(", "))
        };
        Err(Error::new(
            ErrorKind::NotFound,
            Format::Cram,
            format!("reference sequence {name} is needed but not found; {what}"),
        ))
    }
}

/// Reads `[start, end)` of a bare-sequence cache file, clamped to its end.
fn read_span(file: &File, path: &Path, start: u64, end: u64, out: &mut Vec<u8>) -> Result<()> {
    let len = file
        .metadata()
        .map_err(|e| Error::io(Format::Cram, e).with_name(path.display().to_string()))?
        .len();
    let end = end.min(len);
    let start = start.min(end);
    let span = usize::try_from(end - start).map_err(|_| {
        Error::limit_exceeded(
            Format::Cram,
            "reference span",
            end - start,
            usize::MAX as u64,
        )
    })?;
    out.clear();
    out.resize(span, 0);
    file.read_exact_at(out, start)
        .map_err(|e| e.with_name(path.display().to_string()))?;
    out.make_ascii_uppercase();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_expand_as_htslib() {
        let md5 = "8ede36131e0dbf3417807e48f77f3ebd";
        assert_eq!(
            ReferenceSource::expand("/c/%2s/%2s/%s", md5),
            PathBuf::from("/c/8e/de/36131e0dbf3417807e48f77f3ebd")
        );
        assert_eq!(
            ReferenceSource::expand("/c", md5),
            PathBuf::from("/c/8ede36131e0dbf3417807e48f77f3ebd")
        );
        assert_eq!(
            ReferenceSource::expand("/c/%s.fa", md5),
            PathBuf::from("/c/8ede36131e0dbf3417807e48f77f3ebd.fa")
        );
    }

    #[test]
    fn whole_sequences_are_shared_between_clones_while_held() {
        let dir = std::env::temp_dir().join(format!("biometal-whole-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("r.fa");
        std::fs::write(&path, ">a\nacgtACGT\n>b\nTTTT\n").unwrap();
        let source = ReferenceSource::from_fasta_path(&path).unwrap();
        let other_thread = source.clone();
        let first = source.fetch_whole("a", None, 8).unwrap();
        assert_eq!(&*first, b"ACGTACGT");
        let second = std::thread::spawn(move || other_thread.fetch_whole("a", None, 8).unwrap())
            .join()
            .unwrap();
        assert!(Arc::ptr_eq(&first, &second));
        let b = source.fetch_whole("b", None, 4).unwrap();
        assert_eq!(&*b, b"TTTT");
        drop((first, second));
        let live = |s: &ReferenceSource| {
            let cache = s.whole_sequences.lock().unwrap();
            cache.iter().filter(|(_, w)| w.strong_count() > 0).count()
        };
        assert_eq!(live(&source), 1);
        drop(b);
        assert_eq!(live(&source), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
