//! Finding and loading the ONNX Runtime shared library.
//!
//! `ort` is built with `load-dynamic`: nothing is downloaded or linked at
//! build time, and the library is opened when the first model is loaded.
//! `ort::init()` would panic when the library is missing; this module looks
//! for it explicitly and hands `ort::init_from` a path that exists, so a
//! missing or unusable library is an [`ErrorKind::Unavailable`] error that
//! says what was searched.
//!
//! [`ErrorKind::Unavailable`]: crate::ErrorKind::Unavailable

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::{Error, Format, Result};

/// The environment variable naming the ONNX Runtime library file; when it is
/// set, only that file is tried.
pub const DYLIB_PATH_ENV: &str = "ORT_DYLIB_PATH";

#[cfg(target_os = "macos")]
const LIBRARY_PREFIX: &str = "libonnxruntime";
#[cfg(target_os = "macos")]
const LIBRARY_SUFFIX: &str = ".dylib";
#[cfg(target_os = "windows")]
const LIBRARY_PREFIX: &str = "onnxruntime";
#[cfg(target_os = "windows")]
const LIBRARY_SUFFIX: &str = ".dll";
#[cfg(not(any(target_os = "macos", target_os = "windows")))]
const LIBRARY_PREFIX: &str = "libonnxruntime";
#[cfg(not(any(target_os = "macos", target_os = "windows")))]
const LIBRARY_SUFFIX: &str = ".so";

#[cfg(target_os = "macos")]
const SEARCH_PATH_ENV: &str = "DYLD_LIBRARY_PATH";
#[cfg(target_os = "windows")]
const SEARCH_PATH_ENV: &str = "PATH";
#[cfg(not(any(target_os = "macos", target_os = "windows")))]
const SEARCH_PATH_ENV: &str = "LD_LIBRARY_PATH";

const WELL_KNOWN_DIRS: &[&str] = &[
    "/usr/local/lib",
    "/usr/lib",
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/opt/onnxruntime/lib",
    "/opt/homebrew/lib",
    "/opt/homebrew/opt/onnxruntime/lib",
    "/usr/local/opt/onnxruntime/lib",
];

/// The directories searched for the library when [`DYLIB_PATH_ENV`] is
/// unset, in order: the running executable's directory, the platform's
/// library search path variable (`LD_LIBRARY_PATH`, `DYLD_LIBRARY_PATH`),
/// then well-known install locations (`/usr/local/lib`, `/usr/lib`,
/// `/opt/homebrew/lib`, …).
///
/// ```
/// let dirs = biometal::neural_engine::library_search_dirs();
/// assert!(dirs.iter().any(|dir| dir.ends_with("usr/local/lib")));
/// ```
pub fn library_search_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
    {
        dirs.push(dir);
    }
    if let Some(paths) = std::env::var_os(SEARCH_PATH_ENV) {
        dirs.extend(std::env::split_paths(&paths).filter(|dir| !dir.as_os_str().is_empty()));
    }
    dirs.extend(WELL_KNOWN_DIRS.iter().map(PathBuf::from));
    dirs
}

/// The library in `dir`: the unversioned name (`libonnxruntime.so`) if
/// present, else the highest versioned one (`libonnxruntime.so.1.32.0`,
/// `libonnxruntime.1.32.0.dylib`).
fn library_in(dir: &Path) -> Option<PathBuf> {
    let plain = dir.join(format!("{LIBRARY_PREFIX}{LIBRARY_SUFFIX}"));
    if plain.is_file() {
        return Some(plain);
    }
    let mut versioned: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            path.file_name()
                .and_then(OsStr::to_str)
                .is_some_and(is_versioned_library_name)
        })
        .filter(|path| path.is_file())
        .collect();
    versioned.sort();
    versioned.pop()
}

fn is_versioned_library_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix(LIBRARY_PREFIX) else {
        return false;
    };
    let is_version = |v: &str| {
        !v.is_empty()
            && v.split('.')
                .all(|part| part.bytes().all(|b| b.is_ascii_digit()))
    };
    // Linux: libonnxruntime.so.1.32.0; macOS: libonnxruntime.1.32.0.dylib.
    rest.strip_prefix(LIBRARY_SUFFIX)
        .and_then(|v| v.strip_prefix('.'))
        .or_else(|| {
            rest.strip_suffix(LIBRARY_SUFFIX)
                .and_then(|v| v.strip_prefix('.'))
        })
        .is_some_and(is_version)
}

/// Finds the ONNX Runtime library: the file [`DYLIB_PATH_ENV`] names if it
/// is set (an error if that file does not exist), else the first of
/// [`library_search_dirs`] holding it.
///
/// # Errors
/// [`ErrorKind::Unavailable`](crate::ErrorKind::Unavailable), naming the
/// variable or every directory searched.
///
/// ```
/// match biometal::neural_engine::locate_runtime_library() {
///     Ok(path) => println!("ONNX Runtime: {}", path.display()),
///     Err(err) => println!("{err}"), // says where it looked
/// }
/// ```
pub fn locate_runtime_library() -> Result<PathBuf> {
    locate_in(
        std::env::var_os(DYLIB_PATH_ENV).as_deref(),
        &library_search_dirs(),
    )
}

fn locate_in(explicit: Option<&OsStr>, dirs: &[PathBuf]) -> Result<PathBuf> {
    if let Some(path) = explicit.filter(|path| !path.is_empty()) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(Error::unavailable(
                Format::Onnx,
                format!(
                    "the ONNX Runtime library {} (from {DYLIB_PATH_ENV}) does not exist or is not a file",
                    path.display()
                ),
            ))
        };
    }
    dirs.iter().find_map(|dir| library_in(dir)).ok_or_else(|| {
        let searched: Vec<String> = dirs.iter().map(|dir| dir.display().to_string()).collect();
        Error::unavailable(
            Format::Onnx,
            format!(
                "the ONNX Runtime library ({LIBRARY_PREFIX}{LIBRARY_SUFFIX}[.VERSION]) was not found: \
                 {DYLIB_PATH_ENV} is unset and none of these directories holds it: {}; install it \
                 (for example `pip install onnxruntime`) and set {DYLIB_PATH_ENV} to the library file",
                searched.join(", ")
            ),
        )
    })
}

/// The loaded ONNX Runtime: one per process.
#[derive(Debug)]
pub struct Runtime {
    library: PathBuf,
}

impl Runtime {
    /// The library file that was loaded.
    pub fn library(&self) -> &Path {
        &self.library
    }
}

static RUNTIME: OnceLock<std::result::Result<Runtime, String>> = OnceLock::new();

/// Loads ONNX Runtime once per process (see [`locate_runtime_library`]) and
/// returns it; later calls return the same runtime, or the same error.
///
/// # Errors
/// [`ErrorKind::Unavailable`](crate::ErrorKind::Unavailable) when the
/// library is missing, cannot be opened or is older than 1.17.
///
/// ```no_run
/// let runtime = biometal::neural_engine::runtime()?;
/// println!("{}", runtime.library().display());
/// # Ok::<(), biometal::Error>(())
/// ```
pub fn runtime() -> Result<&'static Runtime> {
    RUNTIME
        .get_or_init(|| {
            let library = locate_runtime_library().map_err(|err| err.message().to_owned())?;
            let builder = ort::init_from(&library).map_err(|err| {
                format!(
                    "cannot load the ONNX Runtime library {}: {err}",
                    library.display()
                )
            })?;
            builder.with_name("biometal").commit();
            Ok(Runtime { library })
        })
        .as_ref()
        .map_err(|message| Error::unavailable(Format::Onnx, message.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_path_must_exist() {
        let err = locate_in(Some(OsStr::new("/nonexistent/libonnxruntime.so")), &[]).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Unavailable);
        assert!(
            err.to_string().contains("/nonexistent/libonnxruntime.so"),
            "{err}"
        );
        assert!(err.to_string().contains(DYLIB_PATH_ENV), "{err}");
    }

    #[test]
    fn search_names_every_directory() {
        let dirs = [
            PathBuf::from("/nonexistent/a"),
            PathBuf::from("/nonexistent/b"),
        ];
        let err = locate_in(None, &dirs).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Unavailable);
        assert!(
            err.to_string().contains("/nonexistent/a, /nonexistent/b"),
            "{err}"
        );
    }

    #[test]
    fn finds_versioned_library() {
        let dir = std::env::temp_dir().join(format!("biometal-ort-search-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let name = if cfg!(target_os = "macos") {
            "libonnxruntime.1.32.0.dylib"
        } else if cfg!(target_os = "windows") {
            "onnxruntime.dll"
        } else {
            "libonnxruntime.so.1.32.0"
        };
        std::fs::write(dir.join(name), b"").unwrap();
        std::fs::write(dir.join("libonnxruntime_providers_shared.so"), b"").unwrap();
        let found = locate_in(None, &[PathBuf::from("/nonexistent"), dir.clone()]);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(found.unwrap().file_name().unwrap(), name);
    }

    #[test]
    fn versioned_names() {
        assert!(!is_versioned_library_name(
            "libonnxruntime_providers_shared.so"
        ));
        assert!(!is_versioned_library_name("libonnxruntime.so.1.x"));
        if cfg!(target_os = "linux") {
            assert!(is_versioned_library_name("libonnxruntime.so.1.32.0"));
            assert!(is_versioned_library_name("libonnxruntime.so.1"));
        }
    }
}
