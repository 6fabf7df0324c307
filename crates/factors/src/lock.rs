//! Exclusive locks on directories: one writer per run directory or sweep cell.
//!
//! A lock is an OS advisory lock (`flock`, through std's `File::try_lock`) on a file inside the
//! directory, held for as long as the [`DirLock`] lives. The kernel drops it when the process
//! dies, however it dies (SIGKILL, OOM killer, a node reboot on a local disk), so a lock "left
//! by a dead process" needs no clean-up: the next taker simply gets it. The file also records
//! who holds it (host, pid, start time), only for messages: the lock, not the text, is the truth.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// A held lock; released on drop (or when the process ends).
#[derive(Debug)]
pub struct DirLock {
    file: File,
    path: PathBuf,
}

/// Who holds a lock, as its file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// `host pid unix-seconds`, or what the file holds.
    pub text: String,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = self.text.split_whitespace();
        match (parts.next(), parts.next(), parts.next()) {
            (Some(host), Some(pid), Some(since)) => {
                write!(f, "pid {pid} on {host}, since unix time {since}")
            }
            _ if self.text.trim().is_empty() => write!(f, "an unknown process"),
            _ => write!(f, "{}", self.text.trim()),
        }
    }
}

/// The machine's host name (for lock and state records); `unknown` when it cannot be read.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl DirLock {
    /// Takes the lock file `path` (created if missing) without waiting: `Ok(Err(holder))` when
    /// another process (or another open of the file in this one) holds it.
    pub fn try_acquire(path: &Path) -> io::Result<Result<DirLock, Holder>> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                return Ok(Err(Holder { text }));
            }
            Err(TryLockError::Error(e)) => return Err(e),
        }
        let me = format!("{} {} {}\n", host_name(), std::process::id(), now_secs());
        file.set_len(0)?;
        file.seek(SeekFrom::Start(0))?;
        file.write_all(me.as_bytes())?;
        Ok(Ok(DirLock {
            file,
            path: path.to_path_buf(),
        }))
    }

    /// True when some process holds the lock at `path` now (a missing file is not held).
    pub fn is_held(path: &Path) -> io::Result<Option<Holder>> {
        if !path.exists() {
            return Ok(None);
        }
        let mut file = File::open(path)?;
        match file.try_lock_shared() {
            Ok(()) => {
                let _ = file.unlock();
                Ok(None)
            }
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                Ok(Some(Holder { text }))
            }
            Err(TryLockError::Error(e)) => Err(e),
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_taker_sees_the_holder_until_release() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.lock");
        let first = DirLock::try_acquire(&path).unwrap().expect("free");
        let holder = DirLock::try_acquire(&path).unwrap().expect_err("held");
        assert!(
            holder
                .to_string()
                .contains(&format!("pid {}", std::process::id())),
            "{holder}"
        );
        assert!(DirLock::is_held(&path).unwrap().is_some());
        drop(first);
        assert!(DirLock::is_held(&path).unwrap().is_none());
        DirLock::try_acquire(&path).unwrap().expect("free again");
    }

    #[test]
    fn lock_of_a_dead_process_is_taken_over() {
        // A child process takes the lock and is killed; the kernel releases it.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cell.lock");
        let script = format!(
            "exec 9>>'{}'; flock -n 9 || exit 3; echo locked; exec sleep 30",
            path.display()
        );
        let Ok(mut child) = std::process::Command::new("sh")
            .args(["-c", &script])
            .stdout(std::process::Stdio::piped())
            .spawn()
        else {
            eprintln!("skipped: no sh");
            return;
        };
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.as_mut().unwrap()),
            &mut line,
        )
        .unwrap();
        if line.trim() != "locked" {
            let _ = child.kill();
            eprintln!("skipped: flock(1) is not available");
            return;
        }
        assert!(
            DirLock::try_acquire(&path).unwrap().is_err(),
            "held by the child"
        );
        child.kill().unwrap();
        child.wait().unwrap();
        DirLock::try_acquire(&path)
            .unwrap()
            .expect("released when its holder died");
    }
}
