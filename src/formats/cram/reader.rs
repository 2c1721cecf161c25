//! The CRAM reader: containers in file order, slices decoded one at a time
//! into the crate's one alignment record type.

use std::io::Read;
use std::path::Path;

use super::compression_header::{CompressionHeader, Fields};
use super::container::{
    content_type, parse_block, parse_header_container, read_container_header, read_exact,
    ContainerHeader, FileDefinition,
};
use super::cursor::Cursor;
use super::reference::ReferenceSource;
use super::slice::{DecodeOptions, SliceDecoder, SliceInput};
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
    /// sequences no reference is read: counting records needs
    /// [`Fields::none`] and no reference.
    ///
    /// ```no_run
    /// use biometal::formats::cram::{Fields, ReaderBuilder};
    /// let mut reader = ReaderBuilder::new().fields(Fields::none()).build_from_path("reads.cram")?;
    /// reader.read_header()?;
    /// let mut count = 0;
    /// while reader.next_record()?.is_some() {
    ///     count += 1;
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

    /// A reader over `inner`.
    pub fn build<R: Read>(self, inner: R) -> Reader<R> {
        Reader {
            inner,
            builder: self,
            definition: None,
            header: None,
            offset: 0,
            body: Vec::new(),
            container: ContainerHeader::default(),
            compression_header: None,
            next_slice: 0,
            decoder: SliceDecoder::default(),
            records: Vec::new(),
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

/// A CRAM 2.x/3.x reader.
pub struct Reader<R> {
    inner: R,
    builder: ReaderBuilder,
    definition: Option<FileDefinition>,
    header: Option<Header>,
    /// File offset of the next unread byte.
    offset: u64,
    body: Vec<u8>,
    container: ContainerHeader,
    compression_header: Option<CompressionHeader>,
    next_slice: usize,
    decoder: SliceDecoder,
    records: Vec<Record>,
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
        self.read_body(&container)?;
        let text = parse_header_container(
            &self.body,
            self.offset - container.length as u64,
            container.block_count,
            &definition,
            verify,
        )?;
        let header = ParseOptions::default()
            .strictness(self.builder.strictness)
            .format(Format::Cram)
            .parse(&text)?;
        self.header = Some(header.clone());
        Ok(header)
    }

    fn read_body(&mut self, container: &ContainerHeader) -> Result<()> {
        self.offset = container.offset + container.header_len as u64;
        self.body.clear();
        // Grows with the data actually present, whatever the length says.
        let read = (&mut self.inner)
            .take(container.length as u64)
            .read_to_end(&mut self.body)
            .map_err(|e| Error::from(e).at_byte_offset(self.offset))?;
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

    /// Decodes the next slice (reading containers as needed): false at the
    /// end of the file.
    fn fill(&mut self) -> Result<bool> {
        loop {
            if self.next_record < self.record_count {
                return Ok(true);
            }
            if self.finished {
                return Ok(false);
            }
            if self.next_slice < self.container.landmarks.len() {
                self.decode_next_slice()?;
                continue;
            }
            self.next_container()?;
        }
    }

    fn next_container(&mut self) -> Result<()> {
        let (Some(definition), Some(_)) = (self.definition, self.header.as_ref()) else {
            return Err(Error::invalid_input(
                Format::Cram,
                "read_header must be called before reading records",
            ));
        };
        let verify = self.builder.options.verify_crc;
        let Some(container) =
            read_container_header(&mut self.inner, self.offset, &definition, verify)?
        else {
            self.finished = true;
            return Err(Error::new(
                ErrorKind::MissingEofMarker,
                Format::Cram,
                "the file does not end with the CRAM EOF container: it may be truncated",
            )
            .at_byte_offset(self.offset));
        };
        self.read_body(&container)?;
        self.next_slice = 0;
        self.container = container;
        let body_offset = self.container.offset + self.container.header_len as u64;
        let mut cursor = Cursor::new(&self.body, body_offset);
        if self.container.is_eof() || self.container.landmarks.is_empty() {
            // Nothing to decode; the blocks present are still checked
            // (some writers overstate the block count of such containers).
            for _ in 0..self.container.block_count {
                if cursor.is_empty() {
                    break;
                }
                parse_block(&mut cursor, &definition, verify).map_err(|e| self.in_container(e))?;
            }
            self.finished = self.container.is_eof();
            self.container.landmarks.clear();
            return Ok(());
        }
        let block =
            parse_block(&mut cursor, &definition, verify).map_err(|e| self.in_container(e))?;
        if block.content_type != content_type::COMPRESSION_HEADER {
            return Err(self.in_container(Error::invalid_data(
                Format::Cram,
                format!(
                    "container's first block has content type {}, expected 1 (compression header)",
                    block.content_type
                ),
            )));
        }
        let mut raw = Vec::new();
        block
            .decompress_into(&mut raw)
            .and_then(|()| CompressionHeader::parse(&raw, block.offset))
            .map(|header| self.compression_header = Some(header))
            .map_err(|e| self.in_container(e))
    }

    fn in_container(&self, error: Error) -> Error {
        let message = format!(
            "container at byte {}: {}",
            self.container.offset,
            error.message()
        );
        Error::new(error.kind(), Format::Cram, message).with_location(error.location().clone())
    }

    fn decode_next_slice(&mut self) -> Result<()> {
        let index = self.next_slice;
        self.next_slice += 1;
        let landmarks = &self.container.landmarks;
        let start = landmarks[index];
        let end = landmarks.get(index + 1).copied().unwrap_or(self.body.len());
        let data = self
            .body
            .get(start..end.max(start))
            .filter(|_| end <= self.body.len())
            .ok_or_else(|| {
                self.in_container(Error::invalid_data(
                    Format::Cram,
                    format!(
                        "slice landmark {start}..{end} lies outside the container's {} bytes",
                        self.body.len()
                    ),
                ))
            })?;
        let (Some(definition), Some(header), Some(compression_header)) = (
            self.definition.as_ref(),
            self.header.as_ref(),
            self.compression_header.as_ref(),
        ) else {
            return Err(Error::invalid_input(
                Format::Cram,
                "read_header was not called",
            ));
        };
        let input = SliceInput {
            definition,
            compression_header,
            sam_header: header,
            reference: &self.builder.reference,
            options: &self.builder.options,
            data,
            offset: self.container.offset + self.container.header_len as u64 + start as u64,
        };
        let result = self.decoder.decode(&input, &mut self.records);
        match result {
            Ok(count) => {
                self.record_count = count;
                self.next_record = 0;
                Ok(())
            }
            Err(e) => {
                self.record_count = 0;
                self.next_record = 0;
                Err(self.in_container(e))
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
        std::mem::swap(record, &mut self.records[self.next_record]);
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
        self.next_record += 1;
        self.records_read += 1;
        Ok(Some(self.records[index].as_ref()))
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
