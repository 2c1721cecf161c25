//! Output into a closed pipe (`view … | head`): a C tool dies of SIGPIPE
//! without a word, exit status 141; the examples stop the same way rather
//! than report an I/O error.

use std::process::ExitCode;

/// Whether `error`, or an error it wraps, is a write into a pipe with no
/// reader left.
pub fn is_broken_pipe(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::BrokenPipe {
                return true;
            }
        }
        current = error.source();
    }
    false
}

/// The exit status of a process killed by SIGPIPE, as shells report it.
pub fn broken_pipe_exit() -> ExitCode {
    ExitCode::from(141)
}
