//! The crate's one error type.
//!
//! Every fallible function in biometal returns [`Result<T>`], whose error
//! carries three things a person debugging a bad file needs:
//!
//! * an [`ErrorKind`] saying what class of failure it is (truncated input,
//!   corrupt data, a checksum mismatch, a limit exceeded, …),
//! * the [`Format`] whose rules were broken (BGZF, FASTQ, BAM, …), and
//! * a [`Location`]: the byte offset, BGZF virtual position, line number
//!   and/or record number where it happened.
//!
//! ```
//! use biometal::{Error, ErrorKind, Format};
//!
//! let err = Error::invalid_data(Format::Bgzf, "block CRC32 mismatch").at_byte_offset(1234);
//! assert_eq!(err.kind(), ErrorKind::InvalidData);
//! assert_eq!(err.format(), Some(Format::Bgzf));
//! assert_eq!(err.location().byte_offset(), Some(1234));
//! assert_eq!(err.to_string(), "BGZF: invalid data: block CRC32 mismatch (at byte offset 1234)");
//! ```
//!
//! Errors travel through [`std::io::Read`] implementations as
//! [`std::io::Error`]s and come back out intact: `Error -> io::Error -> Error`
//! returns the original error, so a FASTQ parser reading from a BGZF stream
//! reports the BGZF error with its offset, not a bare "I/O error".

use std::borrow::Cow;
use std::fmt;
use std::io;

use crate::bgzf::VirtualPosition;

/// `Result` with biometal's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What class of failure an [`Error`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The operating system reported an I/O failure.
    Io,
    /// The input ended in the middle of a structure (a truncated file).
    UnexpectedEof,
    /// The bytes do not follow the format's rules.
    InvalidData,
    /// A checksum stored in the file (CRC32, MD5) does not match the data.
    ChecksumMismatch,
    /// A BGZF or CRAM stream lacks its end-of-file marker, so it may be
    /// truncated at a block boundary.
    MissingEofMarker,
    /// The input is well formed but uses something biometal does not support
    /// (for example bzip2-, xz- or zstd-compressed input).
    Unsupported,
    /// A size read from the input exceeds a documented limit; nothing of
    /// that size was allocated.
    LimitExceeded,
    /// The caller passed an argument that cannot be honoured (an invalid
    /// region, a compression level out of range, …).
    InvalidInput,
    /// A named thing (reference sequence, index entry, file) does not exist.
    NotFound,
    /// A run-time component or device an optional feature needs is not
    /// present on this machine: the ONNX Runtime library for
    /// `neural_engine`, a GPU adapter for `gpu::GpuAligner`.
    Unavailable,
}

impl ErrorKind {
    /// A short lower-case description, as used in error messages.
    ///
    /// ```
    /// assert_eq!(biometal::ErrorKind::UnexpectedEof.as_str(), "unexpected end of file");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Io => "I/O error",
            ErrorKind::UnexpectedEof => "unexpected end of file",
            ErrorKind::InvalidData => "invalid data",
            ErrorKind::ChecksumMismatch => "checksum mismatch",
            ErrorKind::MissingEofMarker => "missing end-of-file marker",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::LimitExceeded => "limit exceeded",
            ErrorKind::InvalidInput => "invalid input",
            ErrorKind::NotFound => "not found",
            ErrorKind::Unavailable => "unavailable",
        }
    }

    fn to_io_kind(self) -> io::ErrorKind {
        match self {
            ErrorKind::Io => io::ErrorKind::Other,
            ErrorKind::UnexpectedEof | ErrorKind::MissingEofMarker => io::ErrorKind::UnexpectedEof,
            ErrorKind::InvalidData | ErrorKind::ChecksumMismatch | ErrorKind::LimitExceeded => {
                io::ErrorKind::InvalidData
            }
            ErrorKind::Unsupported => io::ErrorKind::Unsupported,
            ErrorKind::InvalidInput => io::ErrorKind::InvalidInput,
            ErrorKind::NotFound => io::ErrorKind::NotFound,
            ErrorKind::Unavailable => io::ErrorKind::Unsupported,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The file format (or container layer) an [`Error`] concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[allow(missing_docs)] // the variant names are the formats' names
pub enum Format {
    Bgzf,
    Gzip,
    Gzi,
    Fastq,
    Fasta,
    Fai,
    Sam,
    Bam,
    Cram,
    Vcf,
    Bcf,
    Bed,
    Gff,
    Bai,
    Csi,
    Tbi,
    Crai,
    /// A genomic region string such as `chr1:100-200`.
    Region,
    /// An ONNX model, or the ONNX Runtime that runs it.
    Onnx,
}

impl Format {
    /// The format's conventional name, as used in error messages.
    ///
    /// ```
    /// assert_eq!(biometal::Format::Bgzf.name(), "BGZF");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Format::Bgzf => "BGZF",
            Format::Gzip => "gzip",
            Format::Gzi => "GZI",
            Format::Fastq => "FASTQ",
            Format::Fasta => "FASTA",
            Format::Fai => "FAI",
            Format::Sam => "SAM",
            Format::Bam => "BAM",
            Format::Cram => "CRAM",
            Format::Vcf => "VCF",
            Format::Bcf => "BCF",
            Format::Bed => "BED",
            Format::Gff => "GFF",
            Format::Bai => "BAI",
            Format::Csi => "CSI",
            Format::Tbi => "TBI",
            Format::Crai => "CRAI",
            Format::Region => "region",
            Format::Onnx => "ONNX",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where in the input an [`Error`] happened. Every part is optional; the
/// display shows those that are known.
///
/// Line and record numbers are 1-based (the first record is record 1), as
/// people count them; byte offsets are 0-based offsets into the file (for
/// compressed input: into the compressed file, with the position inside the
/// decompressed data given by the virtual position).
///
/// ```
/// use biometal::error::Location;
///
/// let location = Location::new().with_record(12).with_line(46);
/// assert_eq!(location.record(), Some(12));
/// assert_eq!(location.to_string(), "record 12, line 46");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    byte_offset: Option<u64>,
    virtual_position: Option<VirtualPosition>,
    line: Option<u64>,
    record: Option<u64>,
    name: Option<String>,
}

impl Location {
    /// A location with nothing known.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the 0-based byte offset in the (compressed) file.
    pub fn with_byte_offset(mut self, byte_offset: u64) -> Self {
        self.byte_offset = Some(byte_offset);
        self
    }

    /// Sets the BGZF virtual position.
    pub fn with_virtual_position(mut self, virtual_position: VirtualPosition) -> Self {
        self.virtual_position = Some(virtual_position);
        self
    }

    /// Sets the 1-based line number.
    pub fn with_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    /// Sets the 1-based record number.
    pub fn with_record(mut self, record: u64) -> Self {
        self.record = Some(record);
        self
    }

    /// Sets the name of the record (read name, sequence name) concerned.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The 0-based byte offset in the (compressed) file, if known.
    pub fn byte_offset(&self) -> Option<u64> {
        self.byte_offset
    }

    /// The BGZF virtual position, if known.
    pub fn virtual_position(&self) -> Option<VirtualPosition> {
        self.virtual_position
    }

    /// The 1-based line number, if known.
    pub fn line(&self) -> Option<u64> {
        self.line
    }

    /// The 1-based record number, if known.
    pub fn record(&self) -> Option<u64> {
        self.record
    }

    /// The record's name, if known.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Whether nothing is known.
    pub fn is_unknown(&self) -> bool {
        *self == Self::default()
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut separator = "";
        let mut part = |f: &mut fmt::Formatter<'_>, args: fmt::Arguments<'_>| {
            let result = write!(f, "{separator}{args}");
            separator = ", ";
            result
        };
        if let Some(record) = self.record {
            part(f, format_args!("record {record}"))?;
        }
        if let Some(name) = &self.name {
            part(f, format_args!("name '{}'", name.escape_debug()))?;
        }
        if let Some(line) = self.line {
            part(f, format_args!("line {line}"))?;
        }
        if let Some(byte_offset) = self.byte_offset {
            part(f, format_args!("byte offset {byte_offset}"))?;
        }
        if let Some(virtual_position) = self.virtual_position {
            part(f, format_args!("virtual position {virtual_position}"))?;
        }
        Ok(())
    }
}

/// biometal's error: a kind, the format concerned, a location and a message.
/// See the [module documentation](self).
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct Error(Box<Inner>);

#[derive(Debug, thiserror::Error)]
struct Inner {
    kind: ErrorKind,
    format: Option<Format>,
    location: Location,
    message: Cow<'static, str>,
    #[source]
    source: Option<io::Error>,
}

impl fmt::Display for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(format) = self.format {
            write!(f, "{format}: ")?;
        }
        f.write_str(self.kind.as_str())?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        if !self.location.is_unknown() {
            write!(f, " (at {})", self.location)?;
        }
        Ok(())
    }
}

impl Error {
    /// An error of `kind` concerning `format`, with a message saying what was
    /// expected and what was found.
    pub fn new(kind: ErrorKind, format: Format, message: impl Into<Cow<'static, str>>) -> Self {
        Error(Box::new(Inner {
            kind,
            format: Some(format),
            location: Location::default(),
            message: message.into(),
            source: None,
        }))
    }

    /// An error of `kind` that concerns no particular format (for example an
    /// input compressed with a codec biometal does not read).
    ///
    /// ```
    /// use biometal::{Error, ErrorKind};
    /// let err = Error::without_format(ErrorKind::Unsupported, "xz-compressed input");
    /// assert_eq!(err.format(), None);
    /// assert_eq!(err.to_string(), "unsupported: xz-compressed input");
    /// ```
    pub fn without_format(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Error(Box::new(Inner {
            kind,
            format: None,
            location: Location::default(),
            message: message.into(),
            source: None,
        }))
    }

    /// [`ErrorKind::InvalidData`]: the bytes break the format's rules.
    pub fn invalid_data(format: Format, message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::InvalidData, format, message)
    }

    /// [`ErrorKind::UnexpectedEof`]: the input ended inside a structure.
    pub fn unexpected_eof(format: Format, message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::UnexpectedEof, format, message)
    }

    /// [`ErrorKind::Unsupported`]: valid input that biometal does not handle.
    pub fn unsupported(format: Format, message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Unsupported, format, message)
    }

    /// [`ErrorKind::InvalidInput`]: an argument the caller passed is unusable.
    pub fn invalid_input(format: Format, message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::InvalidInput, format, message)
    }

    /// [`ErrorKind::Unavailable`]: a run-time component is missing.
    pub fn unavailable(format: Format, message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Unavailable, format, message)
    }

    /// [`ErrorKind::LimitExceeded`]: `what` is `size`, more than `limit`.
    ///
    /// ```
    /// use biometal::{Error, Format};
    /// let err = Error::limit_exceeded(Format::Fastq, "record size", 3_000_000_000, 1 << 30);
    /// assert!(err.to_string().contains("record size 3000000000 exceeds the limit of 1073741824"));
    /// ```
    pub fn limit_exceeded(format: Format, what: &str, size: u64, limit: u64) -> Self {
        Self::new(
            ErrorKind::LimitExceeded,
            format,
            format!("{what} {size} exceeds the limit of {limit}"),
        )
    }

    /// An [`ErrorKind::Io`] error (or [`ErrorKind::UnexpectedEof`] when
    /// `source` has that kind) while reading or writing `format`. If `source`
    /// already wraps a biometal [`Error`], that error is returned unchanged.
    pub fn io(format: Format, source: io::Error) -> Self {
        match Self::unwrap_io(source) {
            Ok(error) => error,
            Err(source) => {
                let mut error = Self::from(source);
                error.0.format = Some(format);
                error
            }
        }
    }

    /// Recovers a biometal [`Error`] that travelled inside an [`io::Error`].
    fn unwrap_io(source: io::Error) -> std::result::Result<Self, io::Error> {
        if source.get_ref().is_some_and(|inner| inner.is::<Error>()) {
            let kind = source.kind();
            match source.into_inner().map(|inner| inner.downcast::<Error>()) {
                Some(Ok(error)) => Ok(*error),
                Some(Err(other)) => Err(io::Error::new(kind, other)),
                None => Err(io::Error::from(kind)),
            }
        } else {
            Err(source)
        }
    }

    /// Replaces the location.
    pub fn with_location(mut self, location: Location) -> Self {
        self.0.location = location;
        self
    }

    /// Records the 0-based byte offset in the (compressed) file.
    pub fn at_byte_offset(mut self, byte_offset: u64) -> Self {
        self.0.location.byte_offset = Some(byte_offset);
        self
    }

    /// Records the BGZF virtual position.
    pub fn at_virtual_position(mut self, virtual_position: VirtualPosition) -> Self {
        self.0.location.virtual_position = Some(virtual_position);
        self
    }

    /// Records the 1-based line number.
    pub fn at_line(mut self, line: u64) -> Self {
        self.0.location.line = Some(line);
        self
    }

    /// Records the 1-based record number.
    pub fn at_record(mut self, record: u64) -> Self {
        self.0.location.record = Some(record);
        self
    }

    /// Records the name of the record concerned (read name, sequence name).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.0.location.name = Some(name.into());
        self
    }

    /// Attaches the underlying I/O error.
    pub fn with_source(mut self, source: io::Error) -> Self {
        self.0.source = Some(source);
        self
    }

    /// What class of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The format concerned; `None` for plain I/O errors outside any format.
    pub fn format(&self) -> Option<Format> {
        self.0.format
    }

    /// Where it happened.
    pub fn location(&self) -> &Location {
        &self.0.location
    }

    /// The message: what was expected and what was found.
    pub fn message(&self) -> &str {
        &self.0.message
    }
}

impl From<io::Error> for Error {
    /// Wraps an I/O error, or unwraps a biometal [`Error`] that travelled
    /// through an [`io::Read`] implementation.
    fn from(source: io::Error) -> Self {
        match Self::unwrap_io(source) {
            Ok(error) => error,
            Err(source) => {
                let kind = if source.kind() == io::ErrorKind::UnexpectedEof {
                    ErrorKind::UnexpectedEof
                } else {
                    ErrorKind::Io
                };
                Error(Box::new(Inner {
                    kind,
                    format: None,
                    location: Location::default(),
                    message: Cow::Borrowed(""),
                    source: Some(source),
                }))
            }
        }
    }
}

impl From<Error> for io::Error {
    /// Wraps the error in an [`io::Error`] of the matching
    /// [`io::ErrorKind`]; `Error::from` recovers it.
    fn from(error: Error) -> Self {
        if error.0.kind == ErrorKind::Io
            && error.0.message.is_empty()
            && error.0.location.is_unknown()
        {
            if let Some(source) = error.0.source {
                return source;
            }
        }
        io::Error::new(error.0.kind.to_io_kind(), error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_io_error() {
        let original = Error::unexpected_eof(Format::Bgzf, "block cut short").at_byte_offset(99);
        let io_error = io::Error::from(original);
        assert_eq!(io_error.kind(), io::ErrorKind::UnexpectedEof);
        let back = Error::from(io_error);
        assert_eq!(back.kind(), ErrorKind::UnexpectedEof);
        assert_eq!(back.format(), Some(Format::Bgzf));
        assert_eq!(back.location().byte_offset(), Some(99));
    }

    #[test]
    fn io_constructor_keeps_a_wrapped_error() {
        let original = Error::invalid_data(Format::Bgzf, "bad CRC").at_byte_offset(7);
        let back = Error::io(Format::Fastq, io::Error::from(original));
        assert_eq!(back.format(), Some(Format::Bgzf));
        let plain = Error::io(
            Format::Fastq,
            io::Error::new(io::ErrorKind::UnexpectedEof, "eof"),
        );
        assert_eq!(plain.kind(), ErrorKind::UnexpectedEof);
        assert_eq!(plain.format(), Some(Format::Fastq));
    }

    #[test]
    fn bare_io_errors_pass_through_unchanged() {
        let io_error = io::Error::new(io::ErrorKind::PermissionDenied, "denied");
        let error = Error::from(io_error);
        assert_eq!(error.kind(), ErrorKind::Io);
        assert_eq!(
            io::Error::from(error).kind(),
            io::ErrorKind::PermissionDenied
        );
    }

    #[test]
    fn display_names_format_kind_message_and_location() {
        let error = Error::invalid_data(Format::Fastq, "missing '+' separator")
            .at_record(3)
            .with_name("read3")
            .at_line(10)
            .at_byte_offset(200);
        assert_eq!(
            error.to_string(),
            "FASTQ: invalid data: missing '+' separator (at record 3, name 'read3', line 10, byte offset 200)"
        );
    }

    #[test]
    fn error_is_small_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Error>();
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }
}
