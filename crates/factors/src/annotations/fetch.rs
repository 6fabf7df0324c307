//! `spillover annotations fetch`: the ImageNet-X annotations come from the PyPI wheel
//! `imagenet-x==0.0.7` (fetched with pip, never committed), are checksummed file by file and
//! cached under `$SPILLOVER_CACHE` (default: the XDG cache dir, `~/.cache/spillover`).

use super::AnnotationError;
use crate::atomic::write_bytes_atomic;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

const WHEEL: &str = "imagenet_x-0.0.7-py3-none-any.whl";
const WHEEL_SHA256: &str = "4308f6f97b4a0b708fedd1b8059ac26aea855efc9a0a0a81212a3d39998985ec";

/// Every annotation file of the wheel with its SHA-256.
pub const WHEEL_FILES: [(&str, &str); 9] = [
    (
        "filename_label.csv",
        "e279a4972518474b373b02b06a35ad21c3572626715eea574d5f7d55302a92bf",
    ),
    (
        "imagenet_1k_classes_to_100_metaclasses.csv",
        "a973495d1cbe6c73f994fa7083e454602d6d0dc831ff0257598a02a23aa633c4",
    ),
    (
        "imagenet_labels.txt",
        "1d322cd0385b977ea9f8fa6a7088a8d01d8ad101117e1ec534fcb88debfc4854",
    ),
    (
        "imagenet_real_labels.jsonl",
        "d83e9bff374c631aae8439eb064c7019acc56e1b3bc3f56b8380c2a710b0220b",
    ),
    (
        "imagenet_x_train_multi_factor.jsonl",
        "219eb8ee090bbca93ce4dec3c004655a4cef2ab27cd99ef46622807e9f14220d",
    ),
    (
        "imagenet_x_train_top_factor.jsonl",
        "b8089f8249ec354b7fd468e2c260a05b6deed7b75117d137b76a534b581e6756",
    ),
    (
        "imagenet_x_val_multi_factor.jsonl",
        "85b5a1fd60e627dd26b963530e31eea5906f25465e66e77f7295d726b23281e7",
    ),
    (
        "imagenet_x_val_top_factor.jsonl",
        "083253dfe7c3491c76c4745d00d2c1c6eb19615f3935cfc80c6b914dcd4bd177",
    ),
    (
        "prototypical_paths.csv",
        "3f693c9e056560d9d7bd2242909ae549325e78b763aedb59e5f0c9afdb8a9ea3",
    ),
];

/// Root of spillover's cache: `$SPILLOVER_CACHE`, else `$XDG_CACHE_HOME/spillover`, else
/// `~/.cache/spillover`.
pub fn cache_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("SPILLOVER_CACHE").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    dirs::cache_dir()
        .unwrap_or_else(|| PathBuf::from(".cache"))
        .join("spillover")
}

/// Where `fetch` puts the ImageNet-X annotations and where commands look for them by default.
pub fn default_dir() -> PathBuf {
    cache_root().join("imagenet-x-0.0.7").join("annotations")
}

/// What `fetch` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchReport {
    pub dir: PathBuf,
    /// Files that were (re)written; empty when the cache was already complete and valid.
    pub written: Vec<String>,
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn cached_file_ok(dir: &Path, name: &str, sha: &str) -> bool {
    std::fs::read(dir.join(name)).is_ok_and(|b| sha256_hex(&b) == sha)
}

/// Makes sure `dest` (default [`default_dir`]) holds all nine annotation files with the right
/// checksums. Idempotent: a complete, valid cache is left untouched. The wheel comes from
/// `wheel` when given (offline use), else from `python3 -m pip download imagenet-x==0.0.7 --no-deps`.
pub fn fetch(dest: Option<&Path>, wheel: Option<&Path>) -> Result<FetchReport, AnnotationError> {
    let dir = dest.map_or_else(default_dir, Path::to_path_buf);
    let stale: Vec<&(&str, &str)> = WHEEL_FILES
        .iter()
        .filter(|(name, sha)| !cached_file_ok(&dir, name, sha))
        .collect();
    if stale.is_empty() {
        return Ok(FetchReport {
            dir,
            written: vec![],
        });
    }
    let download_dir;
    let wheel_path = match wheel {
        Some(p) => p.to_path_buf(),
        None => {
            download_dir =
                tempfile::tempdir().map_err(|e| AnnotationError::io(std::env::temp_dir(), e))?;
            pip_download(download_dir.path())?
        }
    };
    let wheel_bytes =
        std::fs::read(&wheel_path).map_err(|e| AnnotationError::io(&wheel_path, e))?;
    if sha256_hex(&wheel_bytes) != WHEEL_SHA256 {
        return Err(AnnotationError::Invalid {
            path: wheel_path,
            message: format!("checksum mismatch: this is not the published {WHEEL}"),
        });
    }
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(wheel_bytes)).map_err(|e| {
        AnnotationError::Invalid {
            path: wheel_path.clone(),
            message: format!("not a wheel (zip): {e}"),
        }
    })?;
    let mut written = Vec::new();
    for (name, sha) in stale {
        let member = format!("imagenet_x/annotations/{name}");
        let mut bytes = Vec::new();
        archive
            .by_name(&member)
            .map_err(|e| AnnotationError::Invalid {
                path: wheel_path.clone(),
                message: format!("{member}: {e}"),
            })?
            .read_to_end(&mut bytes)
            .map_err(|e| AnnotationError::io(&wheel_path, e))?;
        if sha256_hex(&bytes) != *sha {
            return Err(AnnotationError::Invalid {
                path: wheel_path.clone(),
                message: format!("{member}: checksum mismatch"),
            });
        }
        let path = dir.join(name);
        write_bytes_atomic(&path, &bytes).map_err(|e| AnnotationError::io(&path, e))?;
        written.push((*name).to_string());
    }
    Ok(FetchReport { dir, written })
}

fn pip_download(into: &Path) -> Result<PathBuf, AnnotationError> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let output = Command::new(&python)
        .args(["-m", "pip", "download", "imagenet-x==0.0.7", "--no-deps", "--no-cache-dir", "-q", "-d"])
        .arg(into)
        .output()
        .map_err(|e| {
            AnnotationError::Fetch(format!(
                "could not run `{python} -m pip` ({e}); install Python 3 with pip (Debian: `apt-get install python3-pip`), or pass --wheel PATH to a downloaded {WHEEL}"
            ))
        })?;
    if !output.status.success() {
        return Err(AnnotationError::Fetch(format!(
            "`{python} -m pip download imagenet-x==0.0.7 --no-deps` failed:\n{}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    let path = into.join(WHEEL);
    if !path.is_file() {
        return Err(AnnotationError::Fetch(format!(
            "pip did not produce {WHEEL} in {}",
            into.display()
        )));
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_matches_known_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn rejects_a_wheel_that_is_not_the_published_one() {
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join(WHEEL);
        std::fs::write(&fake, b"not a wheel").unwrap();
        let err = fetch(Some(&dir.path().join("out")), Some(&fake)).unwrap_err();
        assert!(err.to_string().contains("checksum mismatch"), "{err}");
        assert!(
            !dir.path().join("out").exists(),
            "nothing is written from a bad wheel"
        );
    }
}
