//! The one way trials are spread over cores: `simulate` (both directions), `gait-grid` and
//! `sweep` run their trials through [`run_jobs`]; `optimise` runs its generations in
//! [`in_pool`], a pool of the same size rule.

use std::sync::Mutex;

use anyhow::{Context, Result};

/// The machine's cores, the default number of parallel trials (1 if it cannot be told).
pub fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The parallel trials of a `--jobs` option: the machine's cores if omitted; 0 is refused (it
/// would run nothing).
pub fn jobs(requested: Option<usize>) -> Result<usize> {
    match requested {
        Some(0) => anyhow::bail!("--jobs 0: at least one job is needed to run the trials"),
        Some(n) => Ok(n),
        None => Ok(available_cores()),
    }
}

/// The threads [`run_jobs`] starts for `items` items when asked for `threads`: no more than
/// there are items (an idle thread only costs memory), and at least one.
pub fn pool_size(threads: usize, items: usize) -> usize {
    threads.min(items).max(1)
}

/// Runs `job` on every item on a pool of [`pool_size`] threads and returns the results in the
/// items' order.
///
/// Items start in order (first in, first out), so an interrupted run has finished the first
/// ones (a killed sweep resumes with the rest). A panicking job panics here once every job has
/// ended; callers that must survive a panic catch it inside `job`.
pub fn run_jobs<T, R>(threads: usize, items: &[T], job: impl Fn(&T) -> R + Sync) -> Result<Vec<R>>
where
    T: Sync,
    R: Send,
{
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(pool_size(threads, items.len()))
        .thread_name(|k| format!("trial-{k}"))
        .build()
        .context("cannot start the thread pool")?;
    let slots: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    pool.scope_fifo(|s| {
        for (item, slot) in items.iter().zip(&slots) {
            let job = &job;
            s.spawn_fifo(move |_| {
                let r = job(item);
                *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
            });
        }
    });
    Ok(slots
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .expect("the pool's scope returns only when every job has stored its result")
        })
        .collect())
}

/// Runs `work` inside a rayon pool of [`pool_size`] threads for `items` items, so that the
/// parallel iterators it uses (a search's samples and their trials) share those threads.
pub fn in_pool<R: Send>(
    threads: usize,
    items: usize,
    work: impl FnOnce() -> R + Send,
) -> Result<R> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(pool_size(threads, items))
        .thread_name(|k| format!("trial-{k}"))
        .build()
        .context("cannot start the thread pool")?;
    Ok(pool.install(work))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_input_order() {
        let items: Vec<u64> = (0..20).collect();
        for threads in [0, 1, 3] {
            let out = run_jobs(threads, &items, |&k| {
                // Later items finish first, so order is not completion order.
                std::thread::sleep(std::time::Duration::from_millis(20 - k));
                k * k
            })
            .unwrap();
            assert_eq!(out, items.iter().map(|k| k * k).collect::<Vec<_>>());
        }
        assert!(run_jobs(2, &[] as &[u8], |_| ()).unwrap().is_empty());
    }

    #[test]
    fn no_more_threads_than_items() {
        let threads = run_jobs(64, &[1, 2, 3], |_| rayon::current_num_threads()).unwrap();
        assert_eq!(threads, vec![3, 3, 3]);
        assert_eq!(pool_size(0, 5), 1);
        assert_eq!(pool_size(2, 5), 2);
        assert_eq!(in_pool(8, 3, rayon::current_num_threads).unwrap(), 3);
    }
}
