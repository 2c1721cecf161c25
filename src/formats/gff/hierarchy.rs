//! Assembling the feature hierarchy (gene → transcript → exon/CDS) of a
//! sorted file, one group of features at a time.

use std::collections::HashMap;
use std::io::Read;

use super::line::DirectiveKind;
use super::reader::{Line, Reader};
use super::record::{Record, RecordRef};
use super::Dialect;
use crate::{Error, Format, Result};

/// The default cap on the features of one group: 1,000,000.
const DEFAULT_MAX_FEATURES: usize = 1_000_000;

/// One feature of a [`Group`] with its links.
#[derive(Debug, Clone)]
pub struct Feature {
    record: Record,
    line: u64,
    parents: Vec<usize>,
    children: Vec<usize>,
}

impl Feature {
    /// The feature's record.
    pub fn record(&self) -> RecordRef<'_> {
        self.record.as_ref()
    }

    /// The 1-based line number of the feature in its file.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Indexes (into [`Group::features`]) of the feature's parents: several
    /// for a GFF3 feature with `Parent=a,b`.
    pub fn parents(&self) -> &[usize] {
        &self.parents
    }

    /// Indexes of the feature's children, in file order.
    pub fn children(&self) -> &[usize] {
        &self.children
    }
}

/// The features of one gene (or of one `###`-terminated block), linked to
/// their parents and children.
#[derive(Debug, Clone, Default)]
pub struct Group {
    features: Vec<Feature>,
}

impl Group {
    /// All features, in file order.
    pub fn features(&self) -> &[Feature] {
        &self.features
    }

    /// The features without parents (genes, usually), in file order.
    pub fn roots(&self) -> impl Iterator<Item = &Feature> + '_ {
        self.features.iter().filter(|f| f.parents.is_empty())
    }

    /// The children of `feature`.
    pub fn children<'g>(&'g self, feature: &'g Feature) -> impl Iterator<Item = &'g Feature> + 'g {
        feature
            .children
            .iter()
            .filter_map(|&i| self.features.get(i))
    }
}

/// Groups the features of a sorted GFF3 or GTF file into [`Group`]s:
/// memory is bounded by the largest group, not the file.
///
/// * GFF3: a group ends at a `###` directive; in files without `###`, also
///   where a feature without `Parent` (a new gene) begins. Parents are
///   found by `ID` within the group; a `Parent` not found there is an
///   error (the file is not sorted by gene, or a child precedes a parent
///   that starts a group).
/// * GTF: a group is the run of lines sharing a `gene_id`; a `transcript`
///   line's parent is its gene's `gene` line, any other line's parent its
///   `transcript_id`'s `transcript` line (or the `gene` line). Plain GTF 2.2
///   has no `gene`/`transcript` lines: their features are then roots.
///
/// ```
/// use biometal::formats::gff::{Genes, Reader};
///
/// let data = b"##gff-version 3\n\
///     c\t.\tgene\t1\t90\t.\t+\t.\tID=g1\n\
///     c\t.\tmRNA\t1\t90\t.\t+\t.\tID=t1;Parent=g1\n\
///     c\t.\tmRNA\t1\t50\t.\t+\t.\tID=t2;Parent=g1\n\
///     c\t.\texon\t1\t20\t.\t+\t.\tParent=t1,t2\n\
///     c\t.\tgene\t200\t300\t.\t-\t.\tID=g2\n";
/// let mut genes = Genes::new(Reader::new(&data[..]));
/// let group = genes.next().unwrap()?;
/// let gene = group.roots().next().unwrap();
/// let transcripts: Vec<_> = group.children(gene).collect();
/// assert_eq!(transcripts.len(), 2);
/// assert_eq!(group.children(transcripts[1]).count(), 1); // the shared exon
/// assert_eq!(genes.next().unwrap()?.features().len(), 1);
/// assert!(genes.next().is_none());
/// # Ok::<(), biometal::Error>(())
/// ```
pub struct Genes<R> {
    reader: Reader<R>,
    carried: Option<(Record, u64)>,
    seen_end_marks: bool,
    max_features: usize,
    failed: bool,
}

impl<R: Read> Genes<R> {
    /// Groups the features `reader` yields.
    pub fn new(reader: Reader<R>) -> Self {
        Genes {
            reader,
            carried: None,
            seen_end_marks: false,
            max_features: DEFAULT_MAX_FEATURES,
            failed: false,
        }
    }

    /// The most features one group may hold (default 1,000,000); more is
    /// an [`ErrorKind::LimitExceeded`](crate::ErrorKind::LimitExceeded)
    /// error.
    pub fn max_features(mut self, features: usize) -> Self {
        self.max_features = features.max(1);
        self
    }

    /// Returns the reader (at `##FASTA` or the end once exhausted).
    pub fn into_reader(self) -> Reader<R> {
        self.reader
    }

    fn next_group(&mut self) -> Result<Option<Group>> {
        let mut features: Vec<Feature> = Vec::new();
        let mut gene_id: Option<Vec<u8>> = None;
        if let Some((record, line)) = self.carried.take() {
            gene_id = gtf_value(&record.as_ref(), b"gene_id").map(<[u8]>::to_vec);
            features.push(feature(record, line));
        }
        loop {
            let line_number = self.reader.lines_read() + 1;
            let record = match self.reader.next_line() {
                None => break,
                Some(line) => match line? {
                    Line::Directive(directive) => {
                        if directive.kind() == DirectiveKind::ForwardReferencesResolved {
                            self.seen_end_marks = true;
                            if !features.is_empty() {
                                break;
                            }
                        }
                        continue;
                    }
                    Line::Comment(_) => continue,
                    Line::Record(record) => record,
                },
            };
            let starts_group = match record.dialect() {
                Dialect::Gff3 => {
                    !self.seen_end_marks && record.attributes().get(b"Parent").is_none()
                }
                Dialect::Gtf => gtf_value(&record, b"gene_id") != gene_id.as_deref(),
            };
            if starts_group && !features.is_empty() {
                self.carried = Some((record.to_owned(), line_number));
                break;
            }
            if features.is_empty() {
                gene_id = gtf_value(&record, b"gene_id").map(<[u8]>::to_vec);
            }
            if features.len() >= self.max_features {
                return Err(Error::limit_exceeded(
                    Format::Gff,
                    "features in one group",
                    features.len() as u64 + 1,
                    self.max_features as u64,
                )
                .at_line(line_number));
            }
            features.push(feature(record.to_owned(), line_number));
        }
        if features.is_empty() {
            return Ok(None);
        }
        link(&mut features)?;
        Ok(Some(Group { features }))
    }
}

fn feature(record: Record, line: u64) -> Feature {
    Feature {
        record,
        line,
        parents: Vec::new(),
        children: Vec::new(),
    }
}

fn gtf_value<'a>(record: &RecordRef<'a>, key: &[u8]) -> Option<&'a [u8]> {
    if record.dialect() != Dialect::Gtf {
        return None;
    }
    record.attributes().get(key).map(|v| v.raw())
}

/// Links each feature to its parents by ID within the group.
fn link(features: &mut [Feature]) -> Result<()> {
    let mut ids: HashMap<Vec<u8>, usize> = HashMap::new();
    for (i, feature) in features.iter().enumerate() {
        let record = feature.record.as_ref();
        let id = match record.dialect() {
            Dialect::Gff3 => record.attributes().get(b"ID").map(|v| v.raw()),
            Dialect::Gtf => match record.feature_type() {
                b"gene" => gtf_value(&record, b"gene_id"),
                b"transcript" => gtf_value(&record, b"transcript_id"),
                _ => None,
            },
        };
        if let Some(id) = id {
            ids.entry(id.to_vec()).or_insert(i);
        }
    }
    let mut links = Vec::new();
    for (child, feature) in features.iter().enumerate() {
        let record = feature.record.as_ref();
        match record.dialect() {
            Dialect::Gff3 => {
                for parent in record.attributes().values(b"Parent") {
                    let Some(&index) = ids.get(parent.raw()) else {
                        return Err(Error::invalid_data(
                            Format::Gff,
                            format!(
                                "Parent {:?} is not among the features since the previous ### or \
                                 gene: is the file sorted by gene, parents first?",
                                String::from_utf8_lossy(parent.raw())
                            ),
                        )
                        .at_line(feature.line));
                    };
                    links.push((index, child));
                }
            }
            Dialect::Gtf => {
                let parent = match record.feature_type() {
                    b"gene" => None,
                    b"transcript" => gtf_value(&record, b"gene_id"),
                    _ => gtf_value(&record, b"transcript_id")
                        .filter(|id| ids.contains_key(*id))
                        .or_else(|| gtf_value(&record, b"gene_id")),
                };
                if let Some(&index) = parent.and_then(|id| ids.get(id)) {
                    if index != child {
                        links.push((index, child));
                    }
                }
            }
        }
    }
    for (parent, child) in links {
        if let Some(feature) = features.get_mut(parent) {
            feature.children.push(child);
        }
        if let Some(feature) = features.get_mut(child) {
            feature.parents.push(parent);
        }
    }
    Ok(())
}

impl<R: Read> Iterator for Genes<R> {
    type Item = Result<Group>;

    fn next(&mut self) -> Option<Result<Group>> {
        if self.failed {
            return None;
        }
        match self.next_group() {
            Ok(group) => group.map(Ok),
            Err(error) => {
                self.failed = true;
                Some(Err(error))
            }
        }
    }
}
