//! Sources for [`IndexedReader`](super::IndexedReader): plain files and
//! bgzipped files with their `.gzi` index.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

use super::indexed_reader::ReadAt;
use crate::bgzf::{self, GziIndex};
use crate::{Error, Format, Result};

/// A BGZF-compressed (bgzipped) file with its `.gzi` index: positioned
/// reads of the decompressed bytes, decoding only the blocks they cover.
#[derive(Debug)]
pub struct BgzfFile {
    file: File,
    gzi: GziIndex,
}

impl BgzfFile {
    /// A bgzipped `file` with the index of its blocks.
    pub fn new(file: File, gzi: GziIndex) -> Self {
        BgzfFile { file, gzi }
    }

    /// The block index.
    pub fn gzi(&self) -> &GziIndex {
        &self.gzi
    }
}

/// `Read + Seek` over a shared `&File` through positioned reads, so that
/// concurrent fetches never move a shared cursor.
struct PositionedFile<'a> {
    file: &'a File,
    position: u64,
}

impl Read for PositionedFile<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        #[cfg(unix)]
        let n = std::os::unix::fs::FileExt::read_at(self.file, buf, self.position)?;
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(self.file, buf, self.position)?;
        self.position += n as u64;
        Ok(n)
    }
}

impl Seek for PositionedFile<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.position = match to {
            SeekFrom::Start(offset) => offset,
            SeekFrom::Current(delta) => {
                self.position.checked_add_signed(delta).ok_or_else(|| {
                    io::Error::new(io::ErrorKind::InvalidInput, "seek before the start")
                })?
            }
            SeekFrom::End(delta) => {
                let len = self.file.metadata()?.len();
                len.checked_add_signed(delta).ok_or_else(|| {
                    io::Error::new(io::ErrorKind::InvalidInput, "seek before the start")
                })?
            }
        };
        Ok(self.position)
    }
}

impl ReadAt for BgzfFile {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> Result<()> {
        let source = PositionedFile {
            file: &self.file,
            position: 0,
        };
        let mut reader = bgzf::ReaderBuilder::new()
            .threads(1)
            .require_eof_marker(false)
            .build(source);
        reader.seek_to_uncompressed(offset, &self.gzi)?;
        reader
            .read_exact(buf)
            .map_err(|e| Error::io(Format::Fasta, e).at_byte_offset(offset))
    }
}

/// A FASTA file opened by [`IndexedReader::from_path`](super::IndexedReader::from_path):
/// plain or bgzipped.
#[derive(Debug)]
pub enum FastaFile {
    /// Uncompressed FASTA.
    Plain(File),
    /// BGZF-compressed FASTA with its `.gzi` index.
    Bgzf(BgzfFile),
}

impl ReadAt for FastaFile {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> Result<()> {
        match self {
            FastaFile::Plain(file) => file.read_exact_at(buf, offset),
            FastaFile::Bgzf(file) => file.read_exact_at(buf, offset),
        }
    }
}

/// Sniffs the compression of `file` from its first bytes with
/// [`io::sniff`](crate::io::sniff), without moving its cursor.
pub(crate) fn sniff(file: &File) -> Result<crate::io::Compression> {
    let mut prefix = [0u8; 64];
    let mut reader = PositionedFile { file, position: 0 };
    let mut filled = 0;
    while filled < prefix.len() {
        match reader.read(&mut prefix[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io(Format::Fasta, e)),
        }
    }
    crate::io::sniff(&prefix[..filled])
}
