//! The REGION arguments of `samtools view [-c] FILE REGION…`.

use biometal::region::Region;

/// `text` resolved against the file's reference names, or `None` after a
/// warning on stderr when it does not parse or names no sequence: samtools
/// skips such a region ("Continue anyway") and still ends with status 0.
pub fn region_or_warn(
    program: &str,
    text: &str,
    is_known: impl Fn(&str) -> bool,
) -> Option<Region> {
    match Region::parse_with_names(text, is_known) {
        Ok(region) => Some(region),
        Err(error) => {
            eprintln!("{program}: warning: skipping region \"{text}\": {error}");
            None
        }
    }
}
