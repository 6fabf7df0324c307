//! Every shipped experiment file plans (all its cells resolve and check out) and opens with the
//! comment the project asks of it: the question, the cost, what its report should show.

use std::path::Path;
use std::process::Command;

#[test]
fn every_experiment_plans_and_says_what_it_asks() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../experiments");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        n += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        let head: String = text
            .lines()
            .take_while(|l| l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            head.contains('?'),
            "{}: the opening comment asks no question",
            path.display()
        );
        assert!(
            head.contains("Cost:"),
            "{}: the opening comment gives no cost",
            path.display()
        );
        let out = Command::new(env!("CARGO_BIN_EXE_spillover"))
            .args(["sweep", "--plan", "--format", "json"])
            .arg(&path)
            .current_dir("/")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let cells: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let cells = cells.as_array().unwrap();
        assert!(cells.len() >= 2, "{}", path.display());
        // Every experiment compares against an explicit baseline group.
        assert!(
            cells.iter().any(|c| c["group"] == "flip"),
            "{}: no baseline cells",
            path.display()
        );
    }
    assert!(n >= 5, "experiments/ holds {n} files");
}
