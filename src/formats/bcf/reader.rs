//! Reading BCF: magic and header text, then records in three tiers
//! (borrowed, reused, owned).

use std::io::{BufRead, Read};
use std::path::Path;

use super::record::{Dictionaries, Layout};
use super::{Record, RecordRef, MAGIC_2_1, MAGIC_2_2};
use crate::bgzf::{self, FillBufAtLeast, VirtualPosition};
use crate::formats::bam::VirtualPositioned;
use crate::formats::vcf::header::{Header, ParseOptions, Strictness};
use crate::{Error, Format, Result};

/// The largest record accepted by default (`l_shared + l_indiv`): 256 MiB,
/// enough for a GT:AD:DP:GQ:PL line of a million samples.
pub const DEFAULT_MAX_RECORD_SIZE: u32 = 256 << 20;

/// The largest header text accepted (`l_text`): 256 MiB.
pub const MAX_HEADER_SIZE: u32 = 256 << 20;

/// Options for a [`Reader`].
#[derive(Debug, Clone, Copy)]
pub struct ReaderBuilder {
    threads: usize,
    max_record_size: u32,
    strictness: Strictness,
}

impl Default for ReaderBuilder {
    fn default() -> Self {
        ReaderBuilder {
            threads: 1,
            max_record_size: DEFAULT_MAX_RECORD_SIZE,
            strictness: Strictness::Lenient,
        }
    }
}

impl ReaderBuilder {
    /// Default options: one thread, lenient header parsing (as bcftools
    /// reads BCF).
    pub fn new() -> Self {
        Self::default()
    }

    /// Threads decompressing BGZF blocks (1: decode inline).
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }

    /// The largest record (`l_shared + l_indiv`) accepted; larger records
    /// are an [`ErrorKind::LimitExceeded`](crate::ErrorKind::LimitExceeded)
    /// error.
    pub fn max_record_size(mut self, bytes: u32) -> Self {
        self.max_record_size = bytes;
        self
    }

    /// How strictly the header text is parsed.
    pub fn strictness(mut self, strictness: Strictness) -> Self {
        self.strictness = strictness;
        self
    }

    /// Opens `path` (BGZF-compressed or uncompressed BCF) through
    /// [`io::open_with`](crate::io::open_with).
    ///
    /// # Errors
    ///
    /// When the file cannot be opened.
    pub fn build_from_path(self, path: impl AsRef<Path>) -> Result<Reader<crate::io::Source>> {
        let options = crate::io::IoOptions::default().with_bgzf_threads(self.threads);
        Ok(self.build(crate::io::open_with(path, &options)?))
    }

    /// A reader of the decompressed BCF stream `inner` (a [`bgzf::Reader`],
    /// an [`io::Source`](crate::io::Source), or any [`BufRead`] of
    /// uncompressed BCF).
    pub fn build<R: BufRead>(self, inner: R) -> Reader<R> {
        Reader {
            inner,
            options: self,
            dictionaries: None,
            records_read: 0,
            pending_consume: 0,
            scratch: Record::default(),
        }
    }
}

/// A BCF reader.
///
/// ```no_run
/// use biometal::formats::bcf;
/// use biometal::formats::vcf::GenotypeMatrix;
///
/// let mut reader = bcf::Reader::from_path("cohort.bcf")?;
/// let header = reader.read_header()?;
/// let mut matrix = GenotypeMatrix::new();
/// while let Some(record) = reader.next_record()? {
///     record.genotypes_into(&header, &mut matrix)?;
///     println!("{} alleles called", matrix.allele_number());
/// }
/// # Ok::<(), biometal::Error>(())
/// ```
pub struct Reader<R> {
    inner: R,
    options: ReaderBuilder,
    dictionaries: Option<Dictionaries>,
    records_read: u64,
    pending_consume: usize,
    scratch: Record,
}

impl Reader<crate::io::Source> {
    /// Opens a BCF file (BGZF or uncompressed) with default options.
    ///
    /// # Errors
    ///
    /// When the file cannot be opened.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self> {
        ReaderBuilder::new().build_from_path(path)
    }
}

impl<R: Read> Reader<bgzf::Reader<R>> {
    /// A reader of BGZF-compressed BCF from `inner`, decoding with
    /// `threads` threads.
    pub fn with_threads(inner: R, threads: usize) -> Self {
        let bgzf = bgzf::ReaderBuilder::new().threads(threads).build(inner);
        ReaderBuilder::new().threads(threads).build(bgzf)
    }
}

fn read_exact_or_eof<R: BufRead>(inner: &mut R, out: &mut [u8], what: &str) -> Result<bool> {
    let mut filled = 0;
    while filled < out.len() {
        let available = inner.fill_buf().map_err(Error::from)?;
        if available.is_empty() {
            if filled == 0 {
                return Ok(false);
            }
            return Err(Error::unexpected_eof(
                Format::Bcf,
                format!("input ends inside {what} ({filled} of {} bytes)", out.len()),
            ));
        }
        let n = available.len().min(out.len() - filled);
        out[filled..filled + n].copy_from_slice(&available[..n]);
        inner.consume(n);
        filled += n;
    }
    Ok(true)
}

impl<R: BufRead> Reader<R> {
    /// A reader of decompressed BCF with default options.
    pub fn new(inner: R) -> Self {
        ReaderBuilder::new().build(inner)
    }

    /// The source.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The source, mutably (reading from it directly desynchronises the
    /// reader).
    pub fn get_mut(&mut self) -> &mut R {
        self.settle();
        &mut self.inner
    }

    /// The source.
    pub fn into_inner(mut self) -> R {
        self.settle();
        self.inner
    }

    fn settle(&mut self) {
        if self.pending_consume > 0 {
            self.inner.consume(self.pending_consume);
            self.pending_consume = 0;
        }
    }

    /// Reads the magic and the header text; call once, first.
    ///
    /// # Errors
    ///
    /// A bad magic (BCF 1, VCF text, …), truncation, or a malformed header.
    pub fn read_header(&mut self) -> Result<Header> {
        self.settle();
        let mut magic = [0u8; 9];
        if !read_exact_or_eof(&mut self.inner, &mut magic, "the magic and l_text")? {
            return Err(Error::unexpected_eof(
                Format::Bcf,
                "empty input: no BCF magic",
            ));
        }
        if &magic[..5] != MAGIC_2_2 && &magic[..5] != MAGIC_2_1 {
            return Err(Error::invalid_data(
                Format::Bcf,
                format!(
                    "expected the magic BCF\\2\\1 or BCF\\2\\2, found {:?}",
                    String::from_utf8_lossy(&magic[..5])
                ),
            )
            .at_byte_offset(0));
        }
        let l_text = u32::from_le_bytes([magic[5], magic[6], magic[7], magic[8]]);
        if l_text > MAX_HEADER_SIZE {
            return Err(Error::limit_exceeded(
                Format::Bcf,
                "header text (l_text)",
                u64::from(l_text),
                u64::from(MAX_HEADER_SIZE),
            ));
        }
        let mut text = Vec::new();
        let read = (&mut self.inner)
            .take(u64::from(l_text))
            .read_to_end(&mut text)
            .map_err(Error::from)?;
        if read < l_text as usize {
            return Err(Error::unexpected_eof(
                Format::Bcf,
                format!("input ends inside the header text: l_text {l_text}, {read} bytes present"),
            ));
        }
        // The text is NUL-terminated (and may be NUL-padded).
        let end = memchr::memchr(0, &text).unwrap_or(text.len());
        let text = std::str::from_utf8(&text[..end]).map_err(|e| {
            Error::invalid_data(
                Format::Bcf,
                format!("header text is not UTF-8 at byte {}", e.valid_up_to()),
            )
        })?;
        let header = ParseOptions::default()
            .strictness(self.options.strictness)
            .parse(text)?;
        self.dictionaries = Some(dictionaries_of(&header));
        Ok(header)
    }

    /// The number of records read so far.
    pub fn records_read(&self) -> u64 {
        self.records_read
    }

    fn record_error(&self, error: Error, at: Option<VirtualPosition>) -> Error {
        let error = error.at_record(self.records_read + 1);
        match at {
            Some(position) => error.at_virtual_position(position),
            None => error,
        }
    }

    fn check_sizes(&self, l_shared: u32, l_indiv: u32) -> Result<usize> {
        if (l_shared as usize) < super::FIXED_SIZE {
            return Err(Error::invalid_data(
                Format::Bcf,
                format!("l_shared {l_shared} is smaller than the 24-byte fixed part"),
            ));
        }
        let total = u64::from(l_shared) + u64::from(l_indiv);
        let max = self.options.max_record_size;
        if total > u64::from(max) {
            return Err(Error::limit_exceeded(
                Format::Bcf,
                "record (l_shared + l_indiv)",
                total,
                u64::from(max),
            ));
        }
        Ok(total as usize)
    }
}

/// Uncompressed input lends what its reader buffers.
impl<R: BufRead> FillBufAtLeast for crate::formats::bam::Uncompressed<R> {}

/// The dictionary sizes records read with `header` are checked against.
pub(crate) fn dictionaries_of(header: &Header) -> Dictionaries {
    Dictionaries {
        contigs: header.contigs().len(),
        strings: header.string_dictionary().len(),
        samples: header.samples().len(),
    }
}

/// The end (past the 8 size bytes and the record) of the record at the
/// start of `available` when its sizes pass [`Reader::read_record`]'s checks
/// and it lies whole in `available`; `None` otherwise.
#[inline]
fn frame(available: &[u8], max_record_size: u32) -> Option<usize> {
    let (l_shared, l_indiv) = lengths(available)?;
    let size = u64::from(l_shared) + u64::from(l_indiv);
    let whole = l_shared as usize >= super::FIXED_SIZE
        && size <= u64::from(max_record_size)
        && available.len() as u64 >= 8 + size;
    whole.then(|| 8 + l_shared as usize + l_indiv as usize)
}

/// Checks the record framed by [`frame`] as [`Record`]s are checked.
#[inline]
fn validate(available: &[u8], end: usize, dictionaries: Option<&Dictionaries>) -> Result<Layout> {
    let l_shared = lengths(available).map_or(0, |(l_shared, _)| l_shared as usize);
    let bytes = available
        .get(8..end)
        .ok_or_else(|| Error::invalid_data(Format::Bcf, "a framed record is not in the buffer"))?;
    Layout::validate(bytes, l_shared, dictionaries)
}

fn lengths(bytes: &[u8]) -> Option<(u32, u32)> {
    let l_shared = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?);
    let l_indiv = u32::from_le_bytes(bytes.get(4..8)?.try_into().ok()?);
    Some((l_shared, l_indiv))
}

impl<R: VirtualPositioned> Reader<R> {
    /// The virtual position of the next record (BGZF input), in canonical
    /// form, as indexes store it.
    pub fn virtual_position(&mut self) -> Option<VirtualPosition> {
        self.settle();
        // Loading the next block makes the position canonical; a read
        // error resurfaces at the next read.
        let _ = self.inner.fill_buf();
        self.inner.virtual_position()
    }

    /// Moves to `position` (from an index); the header must have been read.
    ///
    /// # Errors
    ///
    /// When the position cannot be reached.
    pub fn seek(&mut self, position: VirtualPosition) -> Result<()> {
        self.pending_consume = 0;
        self.inner.seek_virtual(position)
    }

    /// Reads the next record into `record`, reusing its buffer: `false` at
    /// the end of input.
    ///
    /// # Errors
    ///
    /// Truncation or a malformed record, naming the record number and its
    /// virtual position.
    pub fn read_record(&mut self, record: &mut Record) -> Result<bool> {
        let at = self.virtual_position();
        let mut sizes = [0u8; 8];
        let (l_shared, total) =
            match read_exact_or_eof(&mut self.inner, &mut sizes, "l_shared and l_indiv") {
                Ok(false) => return Ok(false),
                Ok(true) => {
                    let (l_shared, l_indiv) = lengths(&sizes).unwrap_or_default();
                    match self.check_sizes(l_shared, l_indiv) {
                        Ok(total) => (l_shared as usize, total),
                        Err(e) => return Err(self.record_error(e, at)),
                    }
                }
                Err(e) => return Err(self.record_error(e, at)),
            };
        let inner = &mut self.inner;
        let dictionaries = self.dictionaries;
        let result = record.refill(l_shared, dictionaries.as_ref(), |bytes| {
            let read = crate::io::append_from(inner, bytes, total).map_err(Error::from)?;
            if read < total {
                return Err(Error::unexpected_eof(
                    Format::Bcf,
                    format!("input ends inside a record of {total} bytes ({read} present)"),
                ));
            }
            Ok(())
        });
        result.map_err(|e| self.record_error(e, at))?;
        self.records_read += 1;
        Ok(true)
    }

    /// The next record, borrowed: from the decompressed buffer itself when
    /// the record lies within it or, crossing into the next BGZF block,
    /// once the source has carried the current block's tail in front of
    /// that block (see [`FillBufAtLeast`]); else from an internal buffer.
    /// `None` at the end of input.
    ///
    /// Every record is checked as [`Reader::read_record`] checks it, with
    /// the same errors.
    ///
    /// # Errors
    ///
    /// As [`Reader::read_record`].
    pub fn next_record(&mut self) -> Result<Option<RecordRef<'_>>>
    where
        R: FillBufAtLeast,
    {
        self.settle();
        let dictionaries = self.dictionaries;
        let max = self.options.max_record_size;
        let checked = {
            let available = match self.inner.fill_buf() {
                Ok(available) => available,
                Err(e) => {
                    let at = self.inner.virtual_position();
                    return Err(self.record_error(Error::from(e), at));
                }
            };
            frame(available, max).map(|end| {
                let layout = validate(available, end, dictionaries.as_ref());
                (end, layout)
            })
        };
        match checked {
            Some((end, Ok(layout))) => self.lend(end, layout),
            Some((_, Err(e))) => {
                let at = self.inner.virtual_position();
                Err(self.record_error(e, at))
            }
            None => self.next_record_across_blocks(),
        }
    }

    /// Hands out the record validated as `layout` in the first `end` bytes
    /// the source lends (its two size words first), to be consumed at the
    /// next read.
    fn lend(&mut self, end: usize, layout: Layout) -> Result<Option<RecordRef<'_>>> {
        self.records_read += 1;
        self.pending_consume = end;
        let available = self.inner.fill_buf().map_err(Error::from)?;
        let bytes = available.get(8..end).ok_or_else(|| {
            Error::invalid_data(
                Format::Bcf,
                "the decompressed buffer changed under a record",
            )
        })?;
        Ok(Some(RecordRef::from_layout(bytes, layout)))
    }

    /// [`Reader::next_record`] for a record that does not lie whole in the
    /// buffer the source lends: the source is asked for the whole record in
    /// one piece; if it cannot lend it (the input ends inside it, it spans
    /// more than the next block, its sizes are bad), the record goes
    /// through [`Reader::read_record`] and the internal buffer, which
    /// reports what is wrong.
    #[inline(never)]
    fn next_record_across_blocks(&mut self) -> Result<Option<RecordRef<'_>>>
    where
        R: FillBufAtLeast,
    {
        let at = self.virtual_position();
        let max = self.options.max_record_size;
        let dictionaries = self.dictionaries;
        let framed = match self.inner.fill_buf_at_least(8) {
            Ok(head) => match lengths(head) {
                Some((l_shared, l_indiv))
                    if l_shared as usize >= super::FIXED_SIZE
                        && u64::from(l_shared) + u64::from(l_indiv) <= u64::from(max) =>
                {
                    let size = 8 + l_shared as usize + l_indiv as usize;
                    match self.inner.fill_buf_at_least(size) {
                        Ok(whole) => frame(whole, max).map(|end| {
                            validate(whole, end, dictionaries.as_ref()).map(|l| (l, end))
                        }),
                        Err(e) => Some(Err(Error::from(e))),
                    }
                }
                _ => None,
            },
            Err(e) => Some(Err(Error::from(e))),
        };
        match framed {
            Some(Ok((layout, end))) => self.lend(end, layout),
            Some(Err(e)) => Err(self.record_error(e, at)),
            None => self.next_record_copied(),
        }
    }

    /// [`Reader::next_record`] through [`Reader::read_record`] and the
    /// internal buffer.
    fn next_record_copied(&mut self) -> Result<Option<RecordRef<'_>>> {
        let mut scratch = std::mem::take(&mut self.scratch);
        let more = self.read_record(&mut scratch);
        self.scratch = scratch;
        Ok(if more? {
            Some(self.scratch.as_ref())
        } else {
            None
        })
    }

    /// Owned records; each is a fresh allocation (use
    /// [`Reader::read_record`] on hot paths).
    pub fn records(&mut self) -> impl Iterator<Item = Result<Record>> + '_ {
        std::iter::from_fn(move || {
            let mut record = Record::default();
            match self.read_record(&mut record) {
                Ok(true) => Some(Ok(record)),
                Ok(false) => None,
                Err(e) => Some(Err(e)),
            }
        })
    }
}
