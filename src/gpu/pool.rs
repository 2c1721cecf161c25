//! Helper threads kept with the aligner that pack every chunk.
//!
//! Inside a virtual machine, starting and joining a thread per core costs
//! about a millisecond (measured on the 16-core H100 host: 0.7–1.1 ms),
//! as much as packing a third of a 65,536-pair chunk, and a thread parked
//! on an idle core takes tens of microseconds to wake. So the helpers are
//! started once, and between jobs they spin for a short while
//! ([`SPIN`]) before they park: the jobs of one batch follow each other
//! within a fraction of a millisecond.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long an idle helper spins, waiting for the next job, before it
/// parks.
const SPIN: Duration = Duration::from_millis(2);

/// A job's function with its lifetime erased (see [`Pool::run`]).
type Work = &'static (dyn Fn() + Sync);

/// Threads that each run every posted job's function once (the function
/// takes its tasks from a shared cursor), beside the calling thread.
pub(super) struct Pool {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

#[derive(Default)]
struct Shared {
    /// Counts posted jobs; helpers spin on it.
    generation: AtomicU64,
    /// The open job: helpers join it under this lock.
    job: Mutex<Option<Work>>,
    /// Helpers inside the current job.
    busy: AtomicUsize,
    quit: AtomicBool,
    panic: Mutex<Option<Box<dyn Any + Send>>>,
}

impl Shared {
    fn job(&self) -> MutexGuard<'_, Option<Work>> {
        // A job's panic is caught outside the lock: it is never poisoned
        // by one, and the state is consistent anyway.
        self.job.lock().unwrap_or_else(|poison| poison.into_inner())
    }
}

impl Pool {
    /// A pool of `helpers` threads (none: every job runs on the calling
    /// thread alone).
    pub(super) fn new(helpers: usize) -> Pool {
        let shared = Arc::new(Shared::default());
        let threads = (0..helpers)
            .map_while(|_| {
                let shared = Arc::clone(&shared);
                std::thread::Builder::new()
                    .name("biometal-gpu-pack".into())
                    .spawn(move || help(&shared))
                    .ok()
            })
            .collect();
        Pool { shared, threads }
    }

    /// Wakes parked helpers so that they spin, ready for a job soon.
    pub(super) fn wake(&self) {
        for thread in &self.threads {
            thread.thread().unpark();
        }
    }

    /// Runs `work` on every helper that joins before the calling thread's
    /// run returns and on the calling thread, which first runs `first`;
    /// returns when all of them have returned. A panic of `work` or
    /// `first` is resumed here.
    pub(super) fn run(&self, work: &(dyn Fn() + Sync), first: impl FnOnce()) {
        let shared = &*self.shared;
        if self.threads.is_empty() {
            first();
            work();
            return;
        }
        // SAFETY: only the lifetime changes. The erased reference is held
        // in `Shared::job` while the job is open; helpers copy it only
        // under that lock with the job open, counting themselves in `busy`
        // first, and use it only until they leave `busy`. Below, the job
        // is closed and `busy` waited down to 0 before `run` returns (also
        // when `work` panics here), so no helper uses it once `work`'s
        // borrow ends.
        let erased: Work = unsafe { std::mem::transmute::<&(dyn Fn() + Sync), Work>(work) };
        *shared.job() = Some(erased);
        shared.generation.fetch_add(1, Ordering::AcqRel);
        self.wake();
        let own = catch_unwind(AssertUnwindSafe(|| {
            first();
            work();
        }));
        *shared.job() = None;
        while shared.busy.load(Ordering::Acquire) > 0 {
            std::hint::spin_loop();
        }
        let helper_panic = shared
            .panic
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .take();
        if let Err(panic) = own {
            std::panic::resume_unwind(panic);
        }
        if let Some(panic) = helper_panic {
            std::panic::resume_unwind(panic);
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shared.quit.store(true, Ordering::Release);
        for thread in self.threads.drain(..) {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

/// A helper's loop: joins each posted job it sees open, spinning between
/// jobs for [`SPIN`], then parking, until the pool quits.
fn help(shared: &Shared) {
    let mut seen = 0;
    loop {
        let idle = Instant::now();
        loop {
            if shared.quit.load(Ordering::Acquire) {
                return;
            }
            if shared.generation.load(Ordering::Acquire) != seen {
                break;
            }
            match idle.elapsed() < SPIN {
                true => std::hint::spin_loop(),
                // `wake` unparks; a wake before this park returns at once.
                false => std::thread::park(),
            }
        }
        seen = shared.generation.load(Ordering::Acquire);
        let work = {
            let job = shared.job();
            if job.is_some() {
                shared.busy.fetch_add(1, Ordering::AcqRel);
            }
            *job
        };
        if let Some(work) = work {
            if let Err(panic) = catch_unwind(AssertUnwindSafe(work)) {
                shared
                    .panic
                    .lock()
                    .unwrap_or_else(|poison| poison.into_inner())
                    .get_or_insert(panic);
            }
            shared.busy.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_task_runs_once_per_job() {
        for helpers in [0, 1, 5] {
            let pool = Pool::new(helpers);
            for tasks in [0, 1, 2, 7, 300] {
                let counts: Vec<AtomicUsize> = (0..tasks).map(|_| AtomicUsize::new(0)).collect();
                let cursor = AtomicUsize::new(0);
                let work = || loop {
                    let task = cursor.fetch_add(1, Ordering::Relaxed);
                    match counts.get(task) {
                        Some(count) => count.fetch_add(1, Ordering::Relaxed),
                        None => break,
                    };
                };
                pool.run(&work, || ());
                assert!(counts.iter().all(|c| c.load(Ordering::Relaxed) == 1));
            }
        }
    }

    #[test]
    fn a_panic_reaches_the_caller_and_the_pool_goes_on() {
        let pool = Pool::new(3);
        let cursor = AtomicUsize::new(0);
        let caught = catch_unwind(AssertUnwindSafe(|| {
            let work = || {
                while cursor.fetch_add(1, Ordering::Relaxed) < 64 {
                    assert!(cursor.load(Ordering::Relaxed) != 40, "task 40");
                }
            };
            pool.run(&work, || ());
        }));
        assert!(caught.is_err());
        let sum = AtomicUsize::new(0);
        let cursor = AtomicUsize::new(0);
        let work = || loop {
            let task = cursor.fetch_add(1, Ordering::Relaxed);
            if task >= 10 {
                break;
            }
            sum.fetch_add(task, Ordering::Relaxed);
        };
        let first_ran = AtomicBool::new(false);
        pool.run(&work, || first_ran.store(true, Ordering::Relaxed));
        assert!(first_ran.load(Ordering::Relaxed));
        assert_eq!(sum.load(Ordering::Relaxed), 45);
        // Helpers parked after spinning wake for the next job.
        std::thread::sleep(SPIN * 2);
        let runs = AtomicUsize::new(0);
        let work = || {
            runs.fetch_add(1, Ordering::Relaxed);
        };
        pool.run(&work, || ());
        assert!(runs.load(Ordering::Relaxed) >= 1);
    }
}
