//! `spillover annotations fetch`: the ImageNet-X annotations come from the PyPI wheel
//! `imagenet-x==0.0.7` (fetched with pip, never committed), are checksummed file by file and
//! cached under `$SPILLOVER_CACHE` (default: the XDG cache dir, `~/.cache/spillover`). The same
//! wheel's `imagenet_x/model_types.py` (the toolkit's learning-paradigm map of its model zoo,
//! which `spillover report` groups models by) is cached verbatim next to them, checksummed too:
//! the toolkit is CC BY-NC, so none of it is shipped in this repository.

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

/// The toolkit's model-type map, `imagenet_x/model_types.py` in the wheel, with its SHA-256;
/// cached as `model_types.py` in the annotation directory.
pub const MODEL_TYPES_FILE: (&str, &str) = (
    "model_types.py",
    "58a13e0bb90df274dfbf4b49b23aa0485083113f01e3c5c49a527e3ae5fb50d7",
);

/// Every file `fetch` caches: (member in the wheel, name in the cache, SHA-256).
fn cached_files() -> Vec<(String, &'static str, &'static str)> {
    WHEEL_FILES
        .iter()
        .map(|&(name, sha)| (format!("imagenet_x/annotations/{name}"), name, sha))
        .chain(std::iter::once((
            format!("imagenet_x/{}", MODEL_TYPES_FILE.0),
            MODEL_TYPES_FILE.0,
            MODEL_TYPES_FILE.1,
        )))
        .collect()
}

/// How many files `fetch` caches: the nine annotation files and `model_types.py`.
pub const FETCHED_FILES: usize = WHEEL_FILES.len() + 1;

/// The toolkit's `model_types.py` as `fetch` cached it in `dir`: `Ok(None)` when it is not
/// there (not fetched yet, or a synthetic world's annotations), an error when it is there but
/// is not the wheel's file (checksum mismatch) or cannot be read.
pub fn read_model_types(dir: &Path) -> Result<Option<String>, AnnotationError> {
    let path = dir.join(MODEL_TYPES_FILE.0);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(AnnotationError::io(&path, e)),
    };
    if sha256_hex(&bytes) != MODEL_TYPES_FILE.1 {
        return Err(AnnotationError::Invalid {
            path,
            message: "checksum mismatch: not the imagenet-x 0.0.7 wheel's model_types.py; run `spillover annotations fetch` to restore it".into(),
        });
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|e| AnnotationError::Invalid {
            path,
            message: format!("not UTF-8: {e}"),
        })
}

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

/// Makes sure `dest` (default [`default_dir`]) holds all nine annotation files and the
/// toolkit's `model_types.py` with the right checksums. Idempotent: a complete, valid cache is left untouched. The wheel comes from
/// `wheel` when given (offline use), else from `python3 -m pip download imagenet-x==0.0.7 --no-deps`.
pub fn fetch(dest: Option<&Path>, wheel: Option<&Path>) -> Result<FetchReport, AnnotationError> {
    let dir = dest.map_or_else(default_dir, Path::to_path_buf);
    let stale: Vec<(String, &str, &str)> = cached_files()
        .into_iter()
        .filter(|(_, name, sha)| !cached_file_ok(&dir, name, sha))
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
    for (member, name, sha) in stale {
        let mut bytes = Vec::new();
        archive
            .by_name(&member)
            .map_err(|e| AnnotationError::Invalid {
                path: wheel_path.clone(),
                message: format!("{member}: {e}"),
            })?
            .read_to_end(&mut bytes)
            .map_err(|e| AnnotationError::io(&wheel_path, e))?;
        if sha256_hex(&bytes) != sha {
            return Err(AnnotationError::Invalid {
                path: wheel_path.clone(),
                message: format!("{member}: checksum mismatch"),
            });
        }
        let path = dir.join(name);
        write_bytes_atomic(&path, &bytes).map_err(|e| AnnotationError::io(&path, e))?;
        written.push(name.to_string());
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

    #[test]
    fn model_types_are_read_only_when_they_are_the_wheels() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_model_types(dir.path()).unwrap(), None, "absent: None");
        std::fs::write(
            dir.path().join(MODEL_TYPES_FILE.0),
            "model_types_map = {}\n",
        )
        .unwrap();
        let err = read_model_types(dir.path()).unwrap_err();
        assert!(err.to_string().contains("checksum mismatch"), "{err}");
    }

    #[test]
    fn fetch_caches_model_types_from_the_wheel() {
        let names: Vec<&str> = cached_files().iter().map(|f| f.1).collect();
        assert_eq!(names.len(), FETCHED_FILES);
        assert!(names.contains(&"model_types.py"));
        assert!(
            cached_files()
                .iter()
                .any(|f| f.0 == "imagenet_x/model_types.py")
        );
    }
}
