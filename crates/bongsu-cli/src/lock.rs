//! Exclusive locks on the directories a command writes, held for the whole
//! run, so two operators (or cron and a human) signing at once cannot both
//! pick the same sequence number or interleave writes to one log.
//!
//! The lock is an OS file lock on `.bongsu.lock` in each directory: it is
//! released when the process ends, however it ends, so a crash never
//! leaves a directory locked. Directories are locked in sorted order, so
//! two commands with overlapping directories cannot deadlock.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::CliError;

/// The lock file's name; `serve` never serves dotfiles.
pub const LOCK_FILE: &str = ".bongsu.lock";

/// How long a second run waits for the first before giving up.
pub const LOCK_WAIT: Duration = Duration::from_secs(120);

/// Held locks; dropping this releases them.
#[derive(Debug)]
pub struct DirLocks {
    _files: Vec<File>,
}

/// Locks every directory in `dirs` (created if missing), waiting up to
/// `wait` for another run to finish, and says once on stderr that it waits.
pub fn lock_dirs(
    dirs: impl IntoIterator<Item = PathBuf>,
    wait: Duration,
) -> Result<DirLocks, CliError> {
    let mut dirs: Vec<PathBuf> = dirs
        .into_iter()
        .map(|d| {
            if d.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                d
            }
        })
        .map(|d| std::fs::canonicalize(&d).unwrap_or(d))
        .collect();
    dirs.sort();
    dirs.dedup();
    let mut files = Vec::with_capacity(dirs.len());
    for dir in dirs {
        files.push(lock_one(&dir, wait)?);
    }
    Ok(DirLocks { _files: files })
}

fn lock_one(dir: &Path, wait: Duration) -> Result<File, CliError> {
    let path = dir.join(LOCK_FILE);
    let err = |source| CliError::Write {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(err)?;
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(err)?;
    let started = Instant::now();
    let mut said = false;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(source)) => return Err(err(source)),
        }
        if started.elapsed() >= wait {
            return Err(CliError::Locked {
                dir: dir.to_owned(),
                waited: wait.as_secs(),
            });
        }
        if !said {
            eprintln!(
                "waiting: another bongsu run is writing {} (it holds {})",
                dir.display(),
                path.display()
            );
            said = true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A lock on one file, held until dropped.
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

/// Locks the file at `path` (created if missing) without waiting: for a
/// long-running process that must be the only one using something.
pub fn lock_file(path: &Path) -> Result<FileLock, CliError> {
    let err = |source| CliError::Write {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(err)?;
    match file.try_lock() {
        Ok(()) => Ok(FileLock { _file: file }),
        Err(TryLockError::WouldBlock) => Err(CliError::Locked {
            dir: path.to_owned(),
            waited: 0,
        }),
        Err(TryLockError::Error(source)) => Err(err(source)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_waits_for_the_first_and_then_gives_up() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock_dirs([dir.path().to_owned()], LOCK_WAIT).unwrap();
        let err = lock_dirs([dir.path().join(".")], Duration::from_millis(200)).unwrap_err();
        assert!(matches!(err, CliError::Locked { .. }), "{err}");
        drop(first);
        lock_dirs([dir.path().to_owned()], Duration::from_millis(200)).unwrap();
    }
}
