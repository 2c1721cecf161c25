//! [`Sink`]: an opened output, compressed as asked.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use flate2::write::GzEncoder;

use super::{Compression, DEFAULT_BUFFER_CAPACITY};
use crate::bgzf;
use crate::error::{Error, ErrorKind, Format, Result};

/// How [`open_writer_with`] writes.
///
/// ```
/// use biometal::io::{Compression, WriterOptions};
///
/// let options = WriterOptions::new(Compression::Bgzf).with_level(9).with_threads(4);
/// assert_eq!(options.level(), 9);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterOptions {
    compression: Compression,
    level: u32,
    threads: usize,
}

impl WriterOptions {
    /// Options for `compression` at the default level (6) on one thread.
    pub fn new(compression: Compression) -> Self {
        WriterOptions {
            compression,
            level: 6,
            threads: 1,
        }
    }

    /// Sets the compression level: 0–9 for gzip, 0–12 for BGZF (levels mean
    /// what they mean to htslib; 10–12 mean 9: see
    /// [`bgzf::WriterBuilder::level`](crate::bgzf::WriterBuilder::level)).
    pub fn with_level(mut self, level: u32) -> Self {
        self.level = level;
        self
    }

    /// Sets the threads compressing BGZF blocks (ignored for gzip and plain
    /// output).
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// The compression.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// The compression level.
    pub fn level(&self) -> u32 {
        self.level
    }

    /// The BGZF compression threads.
    pub fn threads(&self) -> usize {
        self.threads
    }
}

/// An opened output. Call [`Sink::finish`] when done: it flushes, ends the
/// gzip or BGZF stream (BGZF's EOF marker included) and reports errors that
/// dropping would have to swallow.
#[derive(Debug)]
pub struct Sink {
    inner: Inner,
}

#[derive(Debug)]
enum Inner {
    Plain(BufWriter<RawWriter>),
    Gzip(GzEncoder<BufWriter<RawWriter>>),
    Bgzf(bgzf::Writer<RawWriter>),
}

#[derive(Debug)]
enum RawWriter {
    File(File),
    Stdout(io::Stdout),
}

impl Write for RawWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        match self {
            RawWriter::File(file) => file.write(data),
            RawWriter::Stdout(stdout) => stdout.write(data),
        }
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        match self {
            RawWriter::File(file) => file.write_all(data),
            RawWriter::Stdout(stdout) => stdout.write_all(data),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            RawWriter::File(file) => file.flush(),
            RawWriter::Stdout(stdout) => stdout.flush(),
        }
    }
}

/// Creates (or truncates) `path`, `-` meaning standard output, writing with
/// `compression` at the default level.
///
/// ```
/// use std::io::Write;
/// use biometal::io::{open, open_writer, Compression};
///
/// let path = std::env::temp_dir().join("biometal-doc-writer.txt.gz");
/// let mut sink = open_writer(&path, Compression::Bgzf)?;
/// sink.write_all(b"chr1\t0\t10\n")?;
/// sink.finish()?;
/// assert_eq!(open(&path)?.compression(), Compression::Bgzf);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), biometal::Error>(())
/// ```
pub fn open_writer(path: impl AsRef<Path>, compression: Compression) -> Result<Sink> {
    open_writer_with(path, &WriterOptions::new(compression))
}

/// Creates (or truncates) `path`, `-` meaning standard output, writing as
/// `options` say.
pub fn open_writer_with(path: impl AsRef<Path>, options: &WriterOptions) -> Result<Sink> {
    let path = path.as_ref();
    let raw = if path == Path::new("-") {
        RawWriter::Stdout(io::stdout())
    } else {
        let file = File::create(path).map_err(|e| {
            Error::without_format(ErrorKind::Io, format!("cannot create {}", path.display()))
                .with_source(e)
        })?;
        RawWriter::File(file)
    };
    let inner = match options.compression {
        Compression::None => Inner::Plain(BufWriter::with_capacity(DEFAULT_BUFFER_CAPACITY, raw)),
        Compression::Gzip => {
            if options.level > 9 {
                return Err(Error::invalid_input(
                    Format::Gzip,
                    format!("compression level {} is not in 0..=9", options.level),
                ));
            }
            Inner::Gzip(GzEncoder::new(
                BufWriter::with_capacity(DEFAULT_BUFFER_CAPACITY, raw),
                flate2::Compression::new(options.level),
            ))
        }
        Compression::Bgzf => Inner::Bgzf(
            bgzf::WriterBuilder::new()
                .level(options.level)
                .threads(options.threads)
                .build(raw)?,
        ),
    };
    Ok(Sink { inner })
}

impl Sink {
    /// Flushes everything, ends the compressed stream and closes the output.
    pub fn finish(self) -> Result<()> {
        match self.inner {
            Inner::Plain(mut writer) => writer.flush()?,
            Inner::Gzip(encoder) => encoder.finish()?.flush()?,
            Inner::Bgzf(writer) => writer.finish()?.flush()?,
        }
        Ok(())
    }
}

impl Sink {
    /// The BGZF virtual position of the next byte written (for indexes
    /// built while writing).
    ///
    /// # Errors
    ///
    /// Output that is not BGZF; flushing a full block failing.
    pub(crate) fn virtual_position(&mut self) -> Result<bgzf::VirtualPosition> {
        match &mut self.inner {
            Inner::Bgzf(writer) => writer.virtual_position(),
            Inner::Plain(_) | Inner::Gzip(_) => Err(Error::invalid_input(
                Format::Bgzf,
                "virtual positions need BGZF-compressed output",
            )),
        }
    }
}

impl Write for Sink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        match &mut self.inner {
            Inner::Plain(writer) => writer.write(data),
            Inner::Gzip(writer) => writer.write(data),
            Inner::Bgzf(writer) => writer.write(data),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Inner::Plain(writer) => writer.flush(),
            Inner::Gzip(writer) => writer.flush(),
            Inner::Bgzf(writer) => writer.flush(),
        }
    }
}
