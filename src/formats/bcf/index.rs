//! Building the CSI index of a BCF file, while writing it or from an
//! existing file ([`build`], [`build_from_path`]), as `bcftools index`
//! builds it: `min_shift` 14, the depth the longest contig needs, one bin
//! per record's reference span (POS to POS + rlen).

use std::path::Path;

use super::{Reader, Record, VirtualPositioned};
use crate::bgzf::VirtualPosition;
use crate::formats::vcf::Header;
use crate::index::binning::depth_for_length;
use crate::index::build::Indexer;
use crate::index::{Index, Kind};
use crate::{Error, Format, Result};

const MIN_SHIFT: u32 = 14;

/// Collects records with their virtual positions into a CSI [`Index`]
/// through the shared [`Indexer`] (bins, linear offsets, htslib's merging
/// of small bins), checking the order.
#[derive(Debug)]
pub(crate) struct CsiBuilder {
    indexer: Indexer,
    contigs: usize,
    last_key: Option<(usize, u64)>,
    records: u64,
}

impl CsiBuilder {
    /// A builder for `header`'s contigs, with the depth `bcftools index`
    /// chooses: enough levels for the longest declared length (2^31 − 1
    /// when none is declared).
    pub(crate) fn new(header: &Header) -> Self {
        let longest = header
            .contigs()
            .iter()
            .flatten()
            .filter_map(|c| c.length())
            .max()
            .filter(|&length| length > 0)
            .unwrap_or((1 << 31) - 1);
        let contigs = header.contigs().len();
        let mut indexer = Indexer::with_scheme(
            Kind::Csi,
            MIN_SHIFT,
            depth_for_length(longest, MIN_SHIFT),
            Format::Csi,
        );
        indexer.reserve_references(contigs);
        CsiBuilder {
            indexer,
            contigs,
            last_key: None,
            records: 0,
        }
    }

    /// Adds the record of `contig` spanning `[begin, end)` (0-based) that
    /// occupies `[start, stop)` in the file.
    pub(crate) fn push(
        &mut self,
        contig: usize,
        begin: u64,
        end: u64,
        start: VirtualPosition,
        stop: VirtualPosition,
    ) -> Result<()> {
        self.records += 1;
        if contig >= self.contigs {
            return Err(Error::invalid_input(
                Format::Csi,
                format!("contig index {contig} is beyond the header"),
            )
            .at_record(self.records));
        }
        if self.last_key.is_some_and(|last| (contig, begin) < last) {
            return Err(Error::invalid_input(
                Format::Csi,
                format!(
                    "records are not sorted: record {} (contig {contig}, POS {}) comes after a later one",
                    self.records,
                    begin + 1
                ),
            )
            .at_record(self.records));
        }
        self.last_key = Some((contig, begin));
        self.indexer
            .push_interval(contig, begin, end, start, stop, false)
            .map_err(|e| e.at_record(self.records))
    }

    /// Moves the last record's end from `old` to `new` (see
    /// [`Indexer::settle_last_end`]).
    pub(crate) fn settle_last_end(&mut self, old: VirtualPosition, new: VirtualPosition) {
        self.indexer.settle_last_end(old, new);
    }

    /// The finished index.
    pub(crate) fn finish(self) -> Index {
        self.indexer.finish()
    }
}

/// Indexes the BGZF-compressed, sorted BCF read by `reader` (from its
/// start: the header is read here), like `bcftools index FILE.bcf`; write
/// the index with [`csi::write_bgzf`](crate::index::csi::write_bgzf) as
/// `FILE.bcf.csi`.
///
/// ```
/// use biometal::formats::{bcf, vcf};
///
/// let header = vcf::Header::parse(
///     "##fileformat=VCFv4.2\n##contig=<ID=1,length=1000>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n",
/// )?;
/// let mut writer = bcf::WriterBuilder::new().build(Vec::new())?;
/// writer.write_header(&header)?;
/// writer.write_variant(&header, &vcf::RecordRef::parse(b"1\t5\t.\tACG\tC\t.\t.\t.")?)?;
/// let bytes = writer.finish()?;
///
/// let mut reader = bcf::Reader::with_threads(std::io::Cursor::new(bytes), 1);
/// let index = bcf::index::build(&mut reader)?;
/// assert_eq!(index.min_shift, 14);
/// assert_eq!(index.references[0].metadata.map(|m| m.mapped), Some(1));
/// # Ok::<(), biometal::Error>(())
/// ```
///
/// # Errors
///
/// Input that is not BGZF, records out of order (naming the record), and
/// those of reading the header and records.
pub fn build<R: VirtualPositioned>(reader: &mut Reader<R>) -> Result<Index> {
    let header = reader.read_header()?;
    let mut builder = CsiBuilder::new(&header);
    let Some(mut start) = reader.virtual_position() else {
        return Err(Error::unsupported(
            Format::Csi,
            "a BCF index needs BGZF-compressed BCF (bcftools view -Ob)",
        ));
    };
    let mut record = Record::default();
    while reader.read_record(&mut record)? {
        let record_ref = record.as_ref();
        let contig = record_ref.reference_id();
        let begin = u64::try_from(record_ref.position_zero_based()).unwrap_or(0);
        let end = begin.saturating_add(record_ref.reference_length());
        // Where the record ends, without loading the next block: after the
        // last record, the EOF marker's offset, as htslib records it.
        let stop = reader.get_mut().virtual_position().unwrap_or_default();
        builder
            .push(contig, begin, end, start, stop)
            .map_err(|e| e.at_virtual_position(start))?;
        start = reader.virtual_position().unwrap_or_default();
    }
    Ok(builder.finish())
}

/// Indexes the BCF file at `path` (see [`build`]), like
/// `bcftools index FILE.bcf`.
///
/// # Errors
///
/// Those of [`build`], with the file name.
pub fn build_from_path(path: impl AsRef<Path>) -> Result<Index> {
    let name = path.as_ref().display().to_string();
    let mut reader = Reader::from_path(path.as_ref()).map_err(|e| e.with_name(name.clone()))?;
    build(&mut reader).map_err(|e| e.with_name(name))
}
