//! GFF3 and GTF: genome annotations, one feature per line, in 1-based
//! inclusive coordinates.
//!
//! Both dialects have nine tab-separated columns (seqid, source, type,
//! start, end, score, strand, phase, attributes) and differ in the
//! attributes: GFF3 writes `ID=tx1;Parent=g1,g2` with percent-escapes
//! (`%3B` for `;`), GTF 2.2 (Ensembl, GENCODE) writes
//! `gene_id "g1"; transcript_id "tx1";`. The [`Dialect`] is detected from
//! the first attributes column or declared.
//!
//! * [`Reader`] streams lines from any [`std::io::Read`] (or a path, plain,
//!   gzip or BGZF): `##` directives, comments and features, each feature
//!   validated once and lent as a [`RecordRef`]; the `##FASTA` section is
//!   read by [`Reader::into_fasta_reader`];
//! * [`Writer`] writes lines back byte for byte;
//! * [`Genes`] assembles the feature hierarchy (gene → transcript →
//!   exon/CDS) of a sorted file, one group at a time.
//!
//! ```
//! use biometal::formats::gff::{DirectiveKind, Line, Reader};
//!
//! let data = b"##gff-version 3\n##sequence-region ctg1 1 1000\n\
//!     ctg1\t.\tmRNA\t10\t900\t.\t+\t.\tID=tx1;Name=Tx%201\n";
//! let mut reader = Reader::new(&data[..]);
//! while let Some(line) = reader.next_line() {
//!     match line? {
//!         Line::Directive(directive) => {
//!             if let DirectiveKind::SequenceRegion { end, .. } = directive.kind() {
//!                 assert_eq!(end.get(), 1000);
//!             }
//!         }
//!         Line::Record(record) => {
//!             let name = record.attributes().get(b"Name").unwrap().decoded();
//!             assert_eq!(&*name, b"Tx 1");
//!         }
//!         Line::Comment(_) => {}
//!     }
//! }
//! # Ok::<(), biometal::Error>(())
//! ```

mod attributes;
mod hierarchy;
mod line;
mod reader;
mod record;
mod writer;

pub use self::attributes::{percent_decode, Attributes, Entries, Items, Value, Values};
pub use self::hierarchy::{Feature, Genes, Group};
pub use self::line::DirectiveKind;
pub use self::reader::{Directive, Line, Reader, ReaderBuilder, Records, DEFAULT_MAX_LINE_LENGTH};
pub use self::record::{Record, RecordRef, Strand};
pub use self::writer::Writer;

/// The attribute syntax of column 9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Dialect {
    /// GFF3: `tag=value,value;tag=value`, percent-escaped.
    #[default]
    Gff3,
    /// GTF 2.2 (Ensembl, GENCODE): `key "value"; key value;`.
    Gtf,
}

impl Dialect {
    /// The dialect a feature line's attributes are written in: GFF3 when
    /// the first attribute's key ends at `=`, GTF when it ends at a blank;
    /// `None` when the line has no attributes to tell.
    ///
    /// ```
    /// use biometal::formats::gff::Dialect;
    ///
    /// let gtf = b"1\t.\tgene\t1\t9\t.\t+\t.\tgene_id \"G\";";
    /// assert_eq!(Dialect::detect(gtf), Some(Dialect::Gtf));
    /// assert_eq!(Dialect::detect(b"1\t.\tgene\t1\t9\t.\t+\t.\tID=G"), Some(Dialect::Gff3));
    /// assert_eq!(Dialect::detect(b"1\t.\tgene\t1\t9\t.\t+\t.\t."), None);
    /// ```
    pub fn detect(line: &[u8]) -> Option<Dialect> {
        let attributes = line.rsplit(|&b| b == b'\t').next()?.trim_ascii_start();
        let stop = attributes
            .iter()
            .position(|&b| matches!(b, b'=' | b' ' | b'\t' | b'"' | b';'))?;
        match attributes.get(stop) {
            Some(b'=') => Some(Dialect::Gff3),
            Some(b' ' | b'\t' | b'"') => Some(Dialect::Gtf),
            _ => None,
        }
    }
}
