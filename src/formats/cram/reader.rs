//! The CRAM reader: containers in file order, slices decoded one at a time
//! into the crate's one alignment record type.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use super::compression_header::{CompressionHeader, Fields};
use super::container::{
    content_type, parse_block, parse_header_container, read_container_header, read_exact,
    ContainerHeader, FileDefinition,
};
use super::cursor::Cursor;
use super::reference::ReferenceSource;
use super::slice::{DecodeOptions, Overlap, SliceDecoder, SliceInput};
use super::threads::Pipeline;
use crate::formats::sam::header::{Header, ParseOptions, Strictness};
use crate::formats::sam::record::{Record, RecordRef};
use crate::{Error, ErrorKind, Format, Result};

/// Options for a CRAM [`Reader`].
///
/// ```no_run
/// use biometal::formats::cram::{ReaderBuilder, ReferenceSource};
/// let mut reader = ReaderBuilder::new()
///     .reference(ReferenceSource::from_fasta_path("ref.fa")?)
///     .build_from_path("reads.cram")?;
/// let header = reader.read_header()?;
/// while let Some(record) = reader.next_record()? {
///     println!("{}", String::from_utf8_lossy(record.name()));
/// }
/// # Ok::<(), biometal::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ReaderBuilder {
    reference: ReferenceSource,
    options: DecodeOptions,
    strictness: Strictness,
    threads: usize,
}

impl Default for ReaderBuilder {
    fn default() -> Self {
        ReaderBuilder {
            reference: ReferenceSource::none(),
            options: DecodeOptions {
                verify_crc: true,
                verify_md5: true,
                regenerate_md_nm: true,
                name_prefix: "cram".into(),
                fields: Fields::all(),
            },
            strictness: Strictness::Lenient,
            threads: 1,
        }
    }
}

impl ReaderBuilder {
    /// Default options: no reference, CRC32 and MD5 checks on, MD/NM
    /// regenerated.
    pub fn new() -> Self {
        Self::default()
    }

    /// Where reference bases come from.
    pub fn reference(mut self, reference: ReferenceSource) -> Self {
        self.reference = reference;
        self
    }

    /// Whether container and block CRC32s are checked (default true).
    pub fn verify_checksums(mut self, verify: bool) -> Self {
        self.options.verify_crc = verify;
        self
    }

    /// Whether each slice's reference MD5 is checked unless it is all
    /// zeros (default true).
    pub fn verify_reference_md5(mut self, verify: bool) -> Self {
        self.options.verify_md5 = verify;
        self
    }

    /// Whether `MD:Z` and `NM:i` are computed for mapped reads that do not
    /// store them when the reference is at hand, as htslib (and so
    /// `samtools view`) does (default true).
    pub fn regenerate_md_nm(mut self, regenerate: bool) -> Self {
        self.options.regenerate_md_nm = regenerate;
        self
    }

    /// The prefix of names generated for reads stored without one
    /// (`<prefix>:<record number>`; htslib uses the file name, as
    /// [`ReaderBuilder::build_from_path`] does; otherwise `cram`).
    pub fn name_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.options.name_prefix = prefix.into();
        self
    }

    /// Which parts of each record to decode (default all). Blocks that
    /// hold only unwanted data are not decompressed, and without
    /// sequences no reference is read: positions and CIGARs need
    /// [`Fields::none`] and no reference; counting records or tallying
    /// flags [`Fields::flags_only`] (see also [`Reader::count_records`]).
    ///
    /// ```no_run
    /// use biometal::formats::cram::{Fields, ReaderBuilder};
    /// let mut reader = ReaderBuilder::new().fields(Fields::none()).build_from_path("reads.cram")?;
    /// reader.read_header()?;
    /// let mut mapped_bases = 0;
    /// while let Some(record) = reader.next_record()? {
    ///     mapped_bases += record.cigar().reference_span();
    /// }
    /// # Ok::<(), biometal::Error>(())
    /// ```
    pub fn fields(mut self, fields: Fields) -> Self {
        self.options.fields = fields;
        self
    }

    /// How strictly the SAM header text is checked (default lenient, as
    /// samtools reads CRAM headers).
    pub fn strictness(mut self, strictness: Strictness) -> Self {
        self.strictness = strictness;
        self
    }

    /// Slice-parallel decoding: `0` or `1` decodes in the caller's thread
    /// (the default); `n >= 2` starts `n` worker threads (spawned when the
    /// first container is read, joined when the reader is dropped). The
    /// caller's thread reads whole containers (so the source need not be
    /// `Send`) and hands their slices to the workers, which decompress the
    /// blocks and decode the records; records come back in file order,
    /// through the same [`Reader::next_record`], [`Reader::read_record`]
    /// and [`Reader::records`]. A container is read only while fewer
    /// than `2 × n` slices are queued, so memory stays bounded by the
    /// containers in flight (about `2 × n` slices and their decoded
    /// records), never by the file's size. Errors carry
    /// the same container, slice and record location as with one thread
    /// and surface after every record before them.
    ///
    /// ```no_run
    /// use biometal::formats::cram::{ReaderBuilder, ReferenceSource};
    /// let mut reader = ReaderBuilder::new()
    ///     .reference(ReferenceSource::from_fasta_path("ref.fa")?)
    ///     .threads(4)
    ///     .build_from_path("reads.cram")?;
    /// reader.read_header()?;
    /// let mut count = 0u64;
    /// while reader.next_record()?.is_some() {
    ///     count += 1;
    /// }
    /// # Ok::<(), biometal::Error>(())
    /// ```
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// A reader over `inner`.
    pub fn build<R: Read>(self, inner: R) -> Reader<R> {
        Reader {
            inner,
            builder: self,
            definition: None,
            context: None,
            offset: 0,
            container: None,
            next_slice: 0,
            decoder: SliceDecoder::default(),
            pipeline: None,
            records: Vec::new(),
            lazy: false,
            current: Record::default(),
            record_count: 0,
            next_record: 0,
            finished: false,
            records_read: 0,
        }
    }

    /// Opens a CRAM file; generated read names use its file name.
    ///
    /// # Errors
    /// When the file cannot be opened.
    pub fn build_from_path(mut self, path: impl AsRef<Path>) -> Result<Reader<crate::io::Source>> {
        let path = path.as_ref();
        if let Some(name) = path.file_name() {
            self.options.name_prefix = name.to_string_lossy().into_owned();
        }
        Ok(self.build(crate::io::open(path)?))
    }
}

/// What every slice of a file is decoded with; shared by the worker
/// threads.
pub(crate) struct FileContext {
    pub definition: FileDefinition,
    pub header: Header,
    pub reference: ReferenceSource,
    pub options: DecodeOptions,
}

/// One container, read whole, with its parsed compression header.
pub(crate) struct Container {
    /// File offset of the container header.
    offset: u64,
    /// File offset of the first block.
    body_offset: u64,
    body: Vec<u8>,
    landmarks: Vec<usize>,
    compression_header: CompressionHeader,
    /// The header's reference id and 1-based alignment start (for
    /// indexing).
    reference_id: i32,
    alignment_start: i64,
}

impl Container {
    /// The number of slices.
    pub fn slice_count(&self) -> usize {
        self.landmarks.len()
    }

    /// Decodes slice `index` into `out` (reusing its records): all its
    /// records, or with `overlap` only those overlapping it; returns how
    /// many records were laid out. `query`: the alignment is decoded and
    /// reported whatever the fields say. Errors name the container and
    /// the record.
    pub fn decode_slice(
        &self,
        index: usize,
        context: &FileContext,
        decoder: &mut SliceDecoder,
        out: &mut Vec<Record>,
        overlap: Option<Overlap>,
        query: bool,
    ) -> Result<usize> {
        let mut input = self.slice_input(index, context, overlap)?;
        input.alignment = query;
        decoder.decode(&input, out).map_err(|e| self.locate(e))
    }

    /// What decoding slice `index` needs: its bytes and the file's and
    /// container's context.
    fn slice_input<'a>(
        &'a self,
        index: usize,
        context: &'a FileContext,
        overlap: Option<Overlap>,
    ) -> Result<SliceInput<'a>> {
        let (data, offset) = self.slice_bytes(index)?;
        Ok(SliceInput {
            definition: &context.definition,
            compression_header: &self.compression_header,
            sam_header: &context.header,
            reference: &context.reference,
            options: &context.options,
            data,
            offset,
            overlap,
            alignment: false,
        })
    }

    /// Decodes slice `index`'s records into `decoder`'s buffers, to be
    /// laid out one at a time with [`SliceDecoder::lay_out`]; returns the
    /// record count.
    pub fn decode_slice_records(
        &self,
        index: usize,
        context: &FileContext,
        decoder: &mut SliceDecoder,
    ) -> Result<usize> {
        let input = self.slice_input(index, context, None)?;
        decoder.decode_records(&input).map_err(|e| self.locate(e))
    }

    /// File offset of the container header.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The container header's reference id (-1 unmapped, -2 several) and
    /// 1-based alignment start.
    pub fn placement(&self) -> (i32, i64) {
        (self.reference_id, self.alignment_start)
    }

    /// The slices' offsets from the end of the container header.
    pub fn landmarks(&self) -> &[usize] {
        &self.landmarks
    }

    /// Slice `index`'s bytes (from its header block to the next landmark
    /// or the container's end) and the file offset of the first.
    pub fn slice_bytes(&self, index: usize) -> Result<(&[u8], u64)> {
        let start = self.landmarks.get(index).copied().unwrap_or(usize::MAX);
        let end = self
            .landmarks
            .get(index + 1)
            .copied()
            .unwrap_or(self.body.len());
        let data = self
            .body
            .get(start..end.max(start))
            .filter(|_| end <= self.body.len())
            .ok_or_else(|| {
                self.locate(Error::invalid_data(
                    Format::Cram,
                    format!(
                        "slice landmark {start}..{end} lies outside the container's {} bytes",
                        self.body.len()
                    ),
                ))
            })?;
        Ok((data, self.body_offset + start as u64))
    }

    /// The container's buffer, for reuse.
    pub fn into_body(self) -> Vec<u8> {
        self.body
    }

    fn locate(&self, error: Error) -> Error {
        in_container(self.offset, error)
    }
}

fn in_container(offset: u64, error: Error) -> Error {
    let message = format!("container at byte {offset}: {}", error.message());
    Error::new(error.kind(), Format::Cram, message).with_location(error.location().clone())
}

/// A CRAM 2.x/3.x reader.
pub struct Reader<R> {
    inner: R,
    builder: ReaderBuilder,
    definition: Option<FileDefinition>,
    /// Set by [`Reader::read_header`].
    context: Option<Arc<FileContext>>,
    /// File offset of the next unread byte.
    offset: u64,
    /// The container being decoded (one thread).
    container: Option<Container>,
    next_slice: usize,
    decoder: SliceDecoder,
    /// The worker threads, when decoding with more than one.
    pipeline: Option<Pipeline>,
    /// Records laid out by the workers.
    records: Vec<Record>,
    /// Whether the current slice's records are in `decoder`'s buffers, to
    /// be laid out one at a time (one thread), rather than in `records`.
    lazy: bool,
    /// The record [`Reader::next_record`] lays out into (one thread).
    current: Record,
    record_count: usize,
    next_record: usize,
    finished: bool,
    records_read: u64,
}

impl Reader<crate::io::Source> {
    /// Opens a CRAM file with default options and `reference`.
    ///
    /// # Errors
    /// When the file cannot be opened.
    pub fn from_path(path: impl AsRef<Path>, reference: ReferenceSource) -> Result<Self> {
        ReaderBuilder::new()
            .reference(reference)
            .build_from_path(path)
    }
}

impl<R: Read> Reader<R> {
    /// A reader with default options and no reference.
    pub fn new(inner: R) -> Self {
        ReaderBuilder::new().build(inner)
    }

    /// The source.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The file definition (after [`Reader::read_header`]).
    pub fn file_definition(&self) -> Option<&FileDefinition> {
        self.definition.as_ref()
    }

    /// The number of records read so far.
    pub fn records_read(&self) -> u64 {
        self.records_read
    }

    /// Reads the file definition and the SAM header container; call once,
    /// first.
    ///
    /// # Errors
    /// A missing `CRAM` magic, an unsupported version, truncation, a bad
    /// CRC32 or a malformed SAM header.
    pub fn read_header(&mut self) -> Result<Header> {
        let mut bytes = [0u8; FileDefinition::LEN];
        read_exact(&mut self.inner, &mut bytes, "the CRAM file definition", 0)?;
        let definition = FileDefinition::parse(&bytes)?;
        self.offset = FileDefinition::LEN as u64;
        self.definition = Some(definition);
        let verify = self.builder.options.verify_crc;
        let container = read_container_header(&mut self.inner, self.offset, &definition, verify)?
            .ok_or_else(|| {
            Error::unexpected_eof(
                Format::Cram,
                "the file ends before the SAM header container",
            )
            .at_byte_offset(self.offset)
        })?;
        let mut body = Vec::new();
        self.read_body(&container, &mut body)?;
        let text = parse_header_container(
            &body,
            self.offset - container.length as u64,
            container.block_count,
            &definition,
            verify,
        )?;
        let header = ParseOptions::default()
            .strictness(self.builder.strictness)
            .format(Format::Cram)
            .parse(&text)?;
        self.context = Some(Arc::new(FileContext {
            definition,
            header: header.clone(),
            reference: self.builder.reference.clone(),
            options: self.builder.options.clone(),
        }));
        Ok(header)
    }

    fn read_body(&mut self, container: &ContainerHeader, body: &mut Vec<u8>) -> Result<()> {
        self.offset = container.offset + container.header_len as u64;
        let len = container.length;
        // The bytes left in `body` by an earlier container are overwritten,
        // not zeroed again; it grows only as data arrives (a length in a
        // corrupt header allocates at most twice what the input holds).
        let mut read = 0;
        while read < len {
            if read == body.len() {
                let grow = (len - read).min(read.max(1 << 16));
                body.resize(read + grow, 0);
            }
            let end = body.len().min(len);
            match self.inner.read(&mut body[read..end]) {
                Ok(0) => break,
                Ok(n) => read += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(Error::from(e).at_byte_offset(self.offset + read as u64));
                }
            }
        }
        body.truncate(read);
        if read < container.length {
            return Err(Error::unexpected_eof(
                Format::Cram,
                format!(
                    "input ends inside a container: {read} of {} bytes present",
                    container.length
                ),
            )
            .at_byte_offset(self.offset + read as u64));
        }
        self.offset += container.length as u64;
        Ok(())
    }

    /// Reads the next container holding slices: `None` after the EOF
    /// container. `body` is a buffer to reuse. After a framing error the
    /// reader is finished: nothing after it can be located.
    pub(super) fn read_container(&mut self, body: Vec<u8>) -> Result<Option<Container>> {
        let result = self.read_container_framed(body);
        if result.is_err() {
            self.finished = true;
        }
        result
    }

    fn read_container_framed(&mut self, mut body: Vec<u8>) -> Result<Option<Container>> {
        let Some(definition) = self.definition.filter(|_| self.context.is_some()) else {
            return Err(Error::invalid_input(
                Format::Cram,
                "read_header must be called before reading records",
            ));
        };
        let verify = self.builder.options.verify_crc;
        loop {
            let Some(header) =
                read_container_header(&mut self.inner, self.offset, &definition, verify)?
            else {
                return Err(Error::new(
                    ErrorKind::MissingEofMarker,
                    Format::Cram,
                    "the file does not end with the CRAM EOF container: it may be truncated",
                )
                .at_byte_offset(self.offset));
            };
            self.read_body(&header, &mut body)?;
            let body_offset = header.offset + header.header_len as u64;
            let locate = |e| in_container(header.offset, e);
            let mut cursor = Cursor::new(&body, body_offset);
            if header.is_eof() || header.landmarks.is_empty() {
                // Nothing to decode; the blocks present are still checked
                // (some writers overstate the block count of such containers).
                for _ in 0..header.block_count {
                    if cursor.is_empty() {
                        break;
                    }
                    parse_block(&mut cursor, &definition, verify).map_err(locate)?;
                }
                if header.is_eof() {
                    self.finished = true;
                    return Ok(None);
                }
                continue;
            }
            let block = parse_block(&mut cursor, &definition, verify).map_err(locate)?;
            if block.content_type != content_type::COMPRESSION_HEADER {
                return Err(locate(Error::invalid_data(
                    Format::Cram,
                    format!(
                        "container's first block has content type {}, expected 1 (compression header)",
                        block.content_type
                    ),
                )));
            }
            let mut raw = Vec::new();
            block.decompress_into(&mut raw).map_err(locate)?;
            let compression_header =
                CompressionHeader::parse(&raw, block.offset).map_err(locate)?;
            return Ok(Some(Container {
                offset: header.offset,
                body_offset,
                body,
                landmarks: header.landmarks,
                compression_header,
                reference_id: header.reference_id,
                alignment_start: header.alignment_start,
            }));
        }
    }

    /// Makes a decoded record available (decoding slices, reading
    /// containers as needed): false at the end of the file.
    fn fill(&mut self) -> Result<bool> {
        if self.next_record < self.record_count {
            return Ok(true);
        }
        if self.pipeline.is_none() && self.builder.threads >= 2 && self.context.is_some() {
            self.pipeline = Pipeline::new(self.builder.threads);
            if self.pipeline.is_some() {
                // Workers from here on; nothing is left half-decoded.
                self.container = None;
            }
        }
        if self.pipeline.is_some() {
            return self.fill_threaded();
        }
        loop {
            if self.next_record < self.record_count {
                return Ok(true);
            }
            let container = match self.container.take() {
                Some(container) if self.next_slice < container.slice_count() => container,
                _ if self.finished => return Ok(false),
                other => {
                    let body = other.map(|c| c.body).unwrap_or_default();
                    self.next_slice = 0;
                    match self.read_container(body)? {
                        Some(container) => container,
                        None => return Ok(false),
                    }
                }
            };
            let index = self.next_slice;
            self.next_slice += 1;
            let context = self.context.as_deref().ok_or_else(not_started)?;
            // Records stay in the decoder's buffers and are laid out in
            // BAM form one at a time as they are read: no slice's worth of
            // BAM records in memory.
            let result = container.decode_slice_records(index, context, &mut self.decoder);
            self.container = Some(container);
            self.next_record = 0;
            self.record_count = 0;
            self.lazy = true;
            self.record_count = result?;
        }
    }

    /// [`Reader::fill`] with worker threads: keeps the pipeline full, then
    /// takes the next slice's records in file order.
    fn fill_threaded(&mut self) -> Result<bool> {
        loop {
            if self.next_record < self.record_count {
                return Ok(true);
            }
            while !self.finished && self.pipeline.as_ref().is_some_and(Pipeline::has_room) {
                let body = self
                    .pipeline
                    .as_mut()
                    .map(Pipeline::spare_body)
                    .unwrap_or_default();
                let read = self.read_container(body);
                let (Some(pipeline), Some(context)) = (self.pipeline.as_mut(), &self.context)
                else {
                    return Err(not_started());
                };
                match read {
                    Ok(Some(container)) => pipeline.submit(context, container),
                    Ok(None) => {}
                    Err(error) => pipeline.fail(error),
                }
            }
            let Some(pipeline) = self.pipeline.as_mut() else {
                return Ok(false);
            };
            self.next_record = 0;
            self.record_count = 0;
            self.lazy = false;
            match pipeline.next_slice(&mut self.records) {
                None => return Ok(false),
                Some(result) => self.record_count = result?,
            }
        }
    }

    /// Reads the next record into `record`, reusing its buffer: `false` at
    /// the end of the file.
    ///
    /// # Errors
    /// Truncation, corruption, a missing or mismatching reference, naming
    /// the container's byte offset and the record number.
    pub fn read_record(&mut self, record: &mut Record) -> Result<bool> {
        if !self.fill()? {
            return Ok(false);
        }
        if self.lazy {
            self.lay_out(record)?;
        } else {
            std::mem::swap(record, &mut self.records[self.next_record]);
        }
        self.next_record += 1;
        self.records_read += 1;
        Ok(true)
    }

    /// The next record, borrowed from the reader's decoded slice; `None`
    /// at the end of the file.
    ///
    /// # Errors
    /// As [`Reader::read_record`].
    pub fn next_record(&mut self) -> Result<Option<RecordRef<'_>>> {
        if !self.fill()? {
            return Ok(None);
        }
        let index = self.next_record;
        if self.lazy {
            let mut current = std::mem::take(&mut self.current);
            let laid_out = self.lay_out(&mut current);
            self.current = current;
            laid_out?;
        }
        self.next_record += 1;
        self.records_read += 1;
        Ok(Some(if self.lazy {
            self.current.as_ref()
        } else {
            self.records[index].as_ref()
        }))
    }

    /// Lays out the current slice's record `next_record` (one thread) in
    /// `record`.
    fn lay_out(&self, record: &mut Record) -> Result<()> {
        let context = self.context.as_deref().ok_or_else(not_started)?;
        let laid_out =
            self.decoder
                .lay_out(self.next_record, &context.header, &context.options, record);
        match (&self.container, laid_out) {
            (Some(container), Err(error)) => Err(container.locate(error)),
            (_, result) => result,
        }
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

impl<R: Read> Reader<R> {
    /// Counts the records left in the file, decoding each as far as the
    /// reader's [`Fields`] ask but laying none out in BAM form: with
    /// [`Fields::flags_only`], what `samtools view -c` counts for the cost
    /// of decoding the flags. Corrupt data is still an error;
    /// [`Reader::records_read`] advances by the count.
    ///
    /// ```no_run
    /// use biometal::formats::cram::{Fields, ReaderBuilder};
    /// let mut reader = ReaderBuilder::new().fields(Fields::flags_only()).build_from_path("reads.cram")?;
    /// reader.read_header()?;
    /// println!("{}", reader.count_records()?);
    /// # Ok::<(), biometal::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Reader::read_record`].
    pub fn count_records(&mut self) -> Result<u64> {
        let mut count = 0;
        while self.fill()? {
            let left = (self.record_count - self.next_record) as u64;
            count += left;
            self.records_read += left;
            self.next_record = self.record_count;
        }
        Ok(count)
    }
}

impl<R: Read + std::io::Seek> Reader<R> {
    /// Moves to the container at file offset `offset` (from a CRAI) and
    /// reads it and the containers after it up to one with slices: `None`
    /// at the EOF container. Sequential reading resumes after it; worker
    /// threads are stopped (they restart on the next read).
    pub(super) fn read_container_at(
        &mut self,
        offset: u64,
        body: Vec<u8>,
    ) -> Result<Option<Container>> {
        self.pipeline = None;
        self.container = None;
        self.record_count = 0;
        self.next_record = 0;
        self.finished = false;
        self.inner
            .seek(std::io::SeekFrom::Start(offset))
            .map_err(|e| Error::io(Format::Cram, e).at_byte_offset(offset))?;
        self.offset = offset;
        self.read_container(body)
    }
}

impl<R> Reader<R> {
    /// Lends the slice decoder and the record buffers to a query, which
    /// gives them back with [`Reader::return_buffers`] (so queries reuse
    /// them rather than allocating records anew).
    pub(super) fn lend_buffers(&mut self) -> (SliceDecoder, Vec<Record>) {
        self.record_count = 0;
        self.next_record = 0;
        (
            std::mem::take(&mut self.decoder),
            std::mem::take(&mut self.records),
        )
    }

    /// Takes back what [`Reader::lend_buffers`] lent.
    pub(super) fn return_buffers(&mut self, decoder: SliceDecoder, records: Vec<Record>) {
        self.decoder = decoder;
        self.records = records;
        self.record_count = 0;
        self.next_record = 0;
    }

    /// What slices are decoded with (after [`Reader::read_header`]).
    pub(super) fn context(&self) -> Result<&FileContext> {
        self.context.as_deref().ok_or_else(not_started)
    }
}

fn not_started() -> Error {
    Error::invalid_input(
        Format::Cram,
        "read_header must be called before reading records",
    )
}
