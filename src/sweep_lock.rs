//! Who is running which trials of a sweep folder: each running sweep holds an operating-system
//! file lock in the folder, so a second sweep (or a `--resume`) on the same trials is refused
//! instead of deleting the first one's unfinished trial folders and mixing two runs.
//!
//! ```text
//! OUT/.sweep.lock                  held for a moment while a sweep registers (never deleted)
//! OUT/.sweep-shard-I-of-N.lock     held while shard I/N runs (1-of-1: the whole sweep);
//!                                  its text is `<pid> I/N`, to name the holder in errors
//! ```
//!
//! The locks are advisory `flock` locks ([`File::try_lock`]): the operating system releases
//! them when the process ends, however it ends, so a killed sweep leaves no stale lock (its
//! unlocked file is deleted by the next sweep that registers). Shards of one sweep may run in
//! one folder at once: a sweep is refused only when a running one shares a trial with it (the
//! same shard, the whole sweep, or shards of another count that overlap).

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::shard::Shard;

/// The lock held while a sweep registers or unregisters.
const REGISTRY_FILE: &str = ".sweep.lock";

/// The running shard `shard` of a sweep folder; released (and its file deleted) on drop.
#[derive(Debug)]
pub struct SweepLock {
    root: PathBuf,
    path: PathBuf,
    /// Holds the lock while open.
    _file: File,
}

impl SweepLock {
    /// Registers `shard` (of a sweep of `trials` trials) as running in `root`, creating the
    /// folder if needed; refuses when a running sweep shares a trial with it.
    pub fn acquire(root: &Path, shard: Shard, trials: usize) -> Result<Self> {
        fs::create_dir_all(root)
            .with_context(|| format!("cannot create the sweep folder {}", root.display()))?;
        let registry = Registry::lock(root)?;
        let entries = fs::read_dir(root)
            .with_context(|| format!("cannot read the sweep folder {}", root.display()))?;
        for entry in entries.filter_map(|e| e.ok()) {
            let Some(theirs) = entry.file_name().to_str().and_then(parse_lock_name) else {
                continue;
            };
            let path = entry.path();
            let Ok(mut file) = OpenOptions::new().read(true).write(true).open(&path) else {
                continue;
            };
            match file.try_lock() {
                // Left by a sweep that ended without cleaning up (killed): not running.
                Ok(()) => {
                    drop(file);
                    fs::remove_file(&path).ok();
                }
                Err(TryLockError::WouldBlock) if overlap(shard, theirs, trials) => {
                    return Err(in_use(root, theirs, &mut file));
                }
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(e)) => {
                    return Err(e).with_context(|| format!("cannot lock {}", path.display()));
                }
            }
        }
        let path = root.join(lock_name(shard));
        let mut file = open_lock_file(&path)?;
        match file.try_lock() {
            Ok(()) => {}
            // The same shard, running with no trial (more shards than trials).
            Err(TryLockError::WouldBlock) => return Err(in_use(root, shard, &mut file)),
            Err(TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("cannot lock {}", path.display()));
            }
        }
        file.set_len(0)
            .and_then(|()| writeln!(file, "{} {shard}", std::process::id()))
            .with_context(|| format!("cannot write the lock file {}", path.display()))?;
        drop(registry);
        Ok(Self {
            root: root.to_owned(),
            path,
            _file: file,
        })
    }
}

impl Drop for SweepLock {
    /// Deletes the lock file while no other sweep is registering (one that opened it to look
    /// could otherwise lock the deleted file and take it for its own).
    fn drop(&mut self) {
        if let Ok(_registry) = Registry::lock(&self.root) {
            fs::remove_file(&self.path).ok();
        }
    }
}

/// Opens (creating if need be, never truncating: another process may hold it) a lock file.
fn open_lock_file(path: &Path) -> Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .with_context(|| format!("cannot create the lock file {}", path.display()))
}

/// The registry lock, held while a sweep looks at and changes the shard locks.
struct Registry {
    /// Holds the lock while open.
    _file: File,
}

impl Registry {
    fn lock(root: &Path) -> Result<Self> {
        let path = root.join(REGISTRY_FILE);
        let file = open_lock_file(&path)?;
        file.lock()
            .with_context(|| format!("cannot lock {}", path.display()))?;
        Ok(Self { _file: file })
    }
}

/// The error for a folder whose shard `theirs` runs, with its process id when recorded.
fn in_use(root: &Path, theirs: Shard, file: &mut File) -> anyhow::Error {
    let mut text = String::new();
    let pid = Read::by_ref(file)
        .take(64)
        .read_to_string(&mut text)
        .ok()
        .and_then(|_| text.split_whitespace().next()?.parse::<u32>().ok());
    let who = match pid {
        Some(pid) => format!("process {pid}"),
        None => "another process".to_owned(),
    };
    let what = if theirs == Shard::ALL {
        "the whole sweep".to_owned()
    } else {
        format!("shard {theirs}")
    };
    anyhow::anyhow!(
        "{} is in use: {who} is running {what} there, which shares trials with this one; wait \
         for it to end, or choose another --out",
        root.display()
    )
}

fn lock_name(shard: Shard) -> String {
    format!(".sweep-shard-{}-of-{}.lock", shard.index, shard.count)
}

fn parse_lock_name(name: &str) -> Option<Shard> {
    let rest = name.strip_prefix(".sweep-shard-")?.strip_suffix(".lock")?;
    let (i, n) = rest.split_once("-of-")?;
    Shard::parse(&format!("{i}/{n}")).ok()
}

/// Whether two shards of a sweep of `trials` trials have a trial in common.
fn overlap(a: Shard, b: Shard, trials: usize) -> bool {
    (0..trials).any(|t| a.contains(t) && b.contains(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("retrogait-lock-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    fn shard(s: &str) -> Shard {
        Shard::parse(s).unwrap()
    }

    // flock locks belong to an open file, so two locks taken in one process exclude each
    // other as two processes' locks do.
    #[test]
    fn a_running_sweep_excludes_sweeps_that_share_its_trials_only() {
        let root = temp("overlap");
        let first = SweepLock::acquire(&root, shard("1/2"), 4).unwrap();
        let text = fs::read_to_string(root.join(lock_name(shard("1/2")))).unwrap();
        assert_eq!(text, format!("{} 1/2\n", std::process::id()));
        // The other half runs beside it.
        let second = SweepLock::acquire(&root, shard("2/2"), 4).unwrap();
        for clash in ["1/2", "1/1", "1/3", "3/3"] {
            let e = SweepLock::acquire(&root, shard(clash), 4)
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("is in use") && e.contains(&format!("process {}", std::process::id())),
                "{clash}: {e}"
            );
        }
        // Trial 2 of 1/3 is free once shard 1/2 has ended; 2/3 holds trial 1 (2/2's).
        drop(first);
        assert!(!root.join(lock_name(shard("1/2"))).exists());
        let third = SweepLock::acquire(&root, shard("3/3"), 4).unwrap();
        assert!(SweepLock::acquire(&root, shard("2/3"), 4).is_err());
        drop((second, third));
        SweepLock::acquire(&root, Shard::ALL, 4).unwrap();
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_lock_file_left_by_a_killed_sweep_does_not_block() {
        let root = temp("stale");
        fs::create_dir_all(&root).unwrap();
        // What a killed sweep leaves: the file, without the lock (the OS released it).
        fs::write(root.join(lock_name(Shard::ALL)), "999999 1/1\n").unwrap();
        fs::write(root.join(lock_name(shard("2/3"))), "999998 2/3\n").unwrap();
        let lock = SweepLock::acquire(&root, Shard::ALL, 3).unwrap();
        assert!(
            !root.join(lock_name(shard("2/3"))).exists(),
            "stale lock kept"
        );
        let e = SweepLock::acquire(&root, Shard::ALL, 3)
            .unwrap_err()
            .to_string();
        assert!(e.contains("running the whole sweep"), "{e}");
        drop(lock);
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn lock_names_round_trip() {
        for s in ["1/1", "3/8"] {
            assert_eq!(parse_lock_name(&lock_name(shard(s))), Some(shard(s)));
        }
        assert_eq!(parse_lock_name(".sweep.lock"), None);
        assert_eq!(parse_lock_name(".sweep-shard-0-of-2.lock"), None);
    }
}
