//! Links the system htscodecs (Debian `libhtscodecs-dev`) for the
//! `htscodecs` peer bench.
fn main() {
    println!("cargo:rustc-link-lib=htscodecs");
}
