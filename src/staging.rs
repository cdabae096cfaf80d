//! A new output folder (`simulate --out`), claimed before the work starts and filled only when
//! the work is done.
//!
//! The folder must not exist or be empty, so earlier results are never overwritten or mixed
//! with new ones. It is created with a hidden staging folder inside before the first trial
//! runs, so a folder that cannot be written fails at once rather than after the simulation.
//! Files are written into the staging folder and moved into place by [`StagedFolder::publish`]:
//! each trial folder in one rename (as a sweep does), or, where the output folder is itself
//! the trial's folder, file by file with `summary.json` (the mark of a complete folder) last.
//! Work that fails leaves nothing behind: the staging folder is deleted, and so is the
//! output folder if it was created for it.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::output::SUMMARY_FILE;

/// An output folder being written; see the module documentation.
#[derive(Debug)]
pub struct StagedFolder {
    out: PathBuf,
    staging: PathBuf,
    /// The output folder did not exist before: deleted again if the work fails.
    created: bool,
    published: bool,
}

impl StagedFolder {
    /// Claims `out`: refuses it unless it is absent or empty, then creates it and its staging
    /// folder. `flag` names the option in errors (e.g. `--out`).
    pub fn create(out: &Path, flag: &str) -> Result<Self> {
        let created = match fs::metadata(out) {
            Ok(m) if m.is_dir() => false,
            Ok(_) => bail!("{flag} {}: not a folder", out.display()),
            // Absent, or not reachable: creating it says why.
            Err(_) => true,
        };
        if !created {
            refuse_non_empty(out, flag, None)?;
        }
        fs::create_dir_all(out)
            .with_context(|| format!("{flag} {}: cannot create the folder", out.display()))?;
        let staging = out.join(format!(".retrogait-{}.tmp", std::process::id()));
        fs::create_dir(&staging)
            .with_context(|| format!("{flag} {}: cannot write into the folder", out.display()))?;
        let folder = Self {
            out: out.to_owned(),
            staging,
            created,
            published: false,
        };
        // Another process that claimed the folder at the same moment: whichever looks last
        // sees the other's staging folder, so two never both go on.
        refuse_non_empty(out, flag, Some(&folder.staging))?;
        Ok(folder)
    }

    /// Where the files that end up in the output folder are written meanwhile.
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// Moves everything staged into the output folder; `summary.json` last.
    pub fn publish(mut self) -> Result<()> {
        let mut names: Vec<_> = fs::read_dir(&self.staging)
            .with_context(|| format!("cannot read {}", self.staging.display()))?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<Result<_, _>>()
            .with_context(|| format!("cannot read {}", self.staging.display()))?;
        names.sort_by_key(|n| n.to_str() == Some(SUMMARY_FILE));
        for name in names {
            let (from, to) = (self.staging.join(&name), self.out.join(&name));
            fs::rename(&from, &to)
                .with_context(|| format!("cannot move {} to {}", from.display(), to.display()))?;
        }
        self.published = true;
        fs::remove_dir(&self.staging)
            .with_context(|| format!("cannot remove {}", self.staging.display()))
    }
}

impl Drop for StagedFolder {
    /// Deletes the staging folder of work that did not finish, and the output folder if it
    /// was created for it and is empty again.
    fn drop(&mut self) {
        if !self.published {
            fs::remove_dir_all(&self.staging).ok();
            if self.created {
                fs::remove_dir(&self.out).ok();
            }
        }
    }
}

/// Claims `out` for files written into it as the work goes, each atomically (a search's
/// records, so a stopped search keeps its evaluations so far): refuses it unless it is absent
/// or an empty folder, then creates it. `flag` names the option in errors.
pub fn claim_empty(out: &Path, flag: &str) -> Result<()> {
    if fs::metadata(out).is_ok_and(|m| !m.is_dir()) {
        bail!("{flag} {}: not a folder", out.display());
    }
    refuse_non_empty(out, flag, None)?;
    fs::create_dir_all(out)
        .with_context(|| format!("{flag} {}: cannot create the folder", out.display()))
}

/// Refuses a folder that holds anything but `own` (what it holds would be overwritten or
/// mixed with the new files); an absent folder is empty.
fn refuse_non_empty(out: &Path, flag: &str, own: Option<&Path>) -> Result<()> {
    let entries = match fs::read_dir(out) {
        Ok(entries) => entries,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(e).with_context(|| format!("{flag} {}: cannot read it", out.display()));
        }
    };
    let others: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| own.is_none_or(|own| e.path() != own))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if let Some(first) = others.first() {
        let more = match others.len() {
            1 => String::new(),
            n => format!(" and {} more", n - 1),
        };
        bail!(
            "{flag} {}: the folder is not empty (it holds {}{more}); earlier results are \
             never overwritten: choose another folder, or empty this one",
            out.display(),
            first
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("retrogait-stage-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn staged_files_appear_only_when_published() {
        let out = temp("publish");
        let folder = StagedFolder::create(&out, "--out").unwrap();
        fs::create_dir(folder.staging().join("trial")).unwrap();
        fs::write(folder.staging().join(SUMMARY_FILE), "{}").unwrap();
        let visible = |d: &Path| {
            let mut names: Vec<String> = fs::read_dir(d)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.'))
                .collect();
            names.sort();
            names
        };
        assert!(visible(&out).is_empty());
        // A second claim while the first is at work is refused.
        let e = StagedFolder::create(&out, "--out").unwrap_err().to_string();
        assert!(e.contains("not empty (it holds .retrogait-"), "{e}");
        folder.publish().unwrap();
        assert_eq!(visible(&out), [SUMMARY_FILE, "trial"]);
        assert_eq!(
            fs::read_dir(&out).unwrap().count(),
            2,
            "staging folder left"
        );
        let e = StagedFolder::create(&out, "--out").unwrap_err().to_string();
        assert!(
            e.contains("(it holds ") && e.contains(" and 1 more)"),
            "{e}"
        );
        fs::remove_dir_all(&out).unwrap();
    }

    #[test]
    fn unfinished_work_leaves_nothing_behind() {
        let out = temp("dropped");
        let folder = StagedFolder::create(&out, "--out").unwrap();
        fs::write(folder.staging().join("frames.csv"), "t").unwrap();
        drop(folder);
        assert!(!out.exists(), "a folder created for the work is removed");
        // An empty folder that was there before stays.
        fs::create_dir_all(&out).unwrap();
        drop(StagedFolder::create(&out, "--out").unwrap());
        assert_eq!(fs::read_dir(&out).unwrap().count(), 0);
        // A file is not a folder.
        let file = out.join("file");
        fs::write(&file, "").unwrap();
        let e = StagedFolder::create(&file, "--out")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a folder"), "{e}");
        fs::remove_dir_all(&out).unwrap();
    }
}
