//! The README's and the docs' commands work as written: the two commands the README opens with
//! exist and are executable (and CI runs exactly the test one), every `spillover ...` line of
//! their code blocks (and of the comments of the shipped experiments and configs) parses as the
//! binary parses it, and every repository path those lines name exists.

use std::path::{Path, PathBuf};

use spillover_e2e::repo_root;

/// Where documented command lines start: the binary, or the example's binary by its path.
const PROGRAMS: [&str; 3] = [
    "spillover",
    "spillover-vignette",
    "target/release/spillover-vignette",
];

/// Arguments that start with one of these name files of the repository.
const REPO_DIRS: [&str; 4] = ["configs/", "experiments/", "scripts/", "examples/"];

/// Splits a shell command line into words as bash does for the simple lines the docs show:
/// single and double quotes, backslash escapes, a `#` that starts a word begins a comment, and
/// the line ends at a redirection, pipe or command separator.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    word.push(q);
                }
            }
            '"' => {
                in_word = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => word.extend(chars.next()),
                        _ => word.push(q),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.extend(chars.next());
            }
            '#' if !in_word => break,
            '>' | '<' | '|' | ';' | '&' => {
                // `2> log`: a descriptor number before a redirection is not an argument.
                let descriptor = matches!(c, '>' | '<') && word.parse::<u8>().is_ok();
                if in_word && !descriptor {
                    words.push(std::mem::take(&mut word));
                }
                return words;
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// The lines of the fenced code blocks of a markdown file, `\` continuations joined, with the
/// line number each starts on.
fn code_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut in_block = false;
    let mut pending: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if !in_block {
            continue;
        }
        let (start, mut joined) = pending.take().unwrap_or((i + 1, String::new()));
        joined.push_str(line.trim());
        if let Some(head) = joined.strip_suffix('\\') {
            pending = Some((start, format!("{} ", head.trim_end())));
        } else {
            out.push((start, joined));
        }
    }
    out
}

/// The commands of a comment block (`#   spillover ...` lines of TOML files).
fn comment_lines(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let l = l.trim_start().strip_prefix('#')?.trim();
            Some((i + 1, l.to_string()))
        })
        .collect()
}

/// Checks every documented `spillover` command of `lines` (from `file`): it parses, and the
/// repository paths it names exist. Adds what is wrong to `problems`; returns how many commands
/// it checked.
fn check_commands(file: &Path, lines: &[(usize, String)], problems: &mut Vec<String>) -> usize {
    let root = repo_root();
    let shown = file
        .strip_prefix(&root)
        .unwrap_or(file)
        .display()
        .to_string();
    let mut checked = 0;
    for (line_no, line) in lines {
        let words = shell_words(line);
        let Some(program) = words.first() else {
            continue;
        };
        if !PROGRAMS.contains(&program.as_str()) {
            continue;
        }
        checked += 1;
        let mut args = words.clone();
        args[0] = "spillover".to_string();
        if let Err(e) = spillover_cli::parse_command_line(&args) {
            let first = e.to_string();
            let first = first.lines().next().unwrap_or_default().to_string();
            problems.push(format!(
                "{shown}:{line_no}: `{line}` does not parse: {first}"
            ));
        }
        for word in &words[1..] {
            let value = word.split_once('=').map_or(word.as_str(), |(_, v)| v);
            if REPO_DIRS.iter().any(|d| value.starts_with(d))
                && !value.contains('*')
                && !root.join(value).exists()
            {
                problems.push(format!(
                    "{shown}:{line_no}: `{line}` names {value}, which does not exist"
                ));
            }
        }
    }
    checked
}

fn markdown_files() -> Vec<PathBuf> {
    let root = repo_root();
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

fn toml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            toml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
}

#[test]
fn the_readme_opens_with_the_demo_and_the_tests_and_ci_runs_the_tests() {
    let root = repo_root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let first_block: Vec<String> = readme
        .split("```")
        .nth(1)
        .expect("the README has a code block")
        .lines()
        .skip(1) // the fence's language
        .map(shell_words)
        .filter(|w| !w.is_empty())
        .map(|w| w.join(" "))
        .collect();
    assert_eq!(
        first_block.len(),
        2,
        "the README opens with two commands (the demo, the tests): {first_block:?}"
    );
    let (demo, test) = (&first_block[0], &first_block[1]);
    assert!(
        demo.contains("demo"),
        "the first command is the demo: {demo}"
    );
    assert!(
        test.contains("test"),
        "the second command runs the tests: {test}"
    );
    for command in [demo, test] {
        let path = root.join(command);
        let meta = std::fs::metadata(&path)
            .unwrap_or_else(|e| panic!("README's `{command}`: {}: {e}", path.display()));
        use std::os::unix::fs::PermissionsExt;
        assert!(
            meta.is_file() && meta.permissions().mode() & 0o111 != 0,
            "README's `{command}` is not an executable file"
        );
    }

    // CI's entry point runs exactly the README's test command: besides setting the shell up and
    // changing to the repository, it does nothing else.
    let ci = std::fs::read_to_string(root.join(".ci/run")).unwrap();
    let commands: Vec<String> = ci
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|l| !l.starts_with("set ") && !l.starts_with("cd "))
        .map(|l| l.strip_prefix("exec ").unwrap_or(l).to_string())
        .collect();
    assert_eq!(
        commands,
        std::slice::from_ref(test),
        ".ci/run must run exactly the README's test command"
    );
}

#[test]
fn every_documented_command_parses_and_names_existing_files() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for file in markdown_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        checked += check_commands(&file, &code_lines(&text), &mut problems);
    }
    assert!(
        problems.is_empty(),
        "documented commands that do not work:\n{}",
        problems.join("\n")
    );
    // The README alone shows about 30.
    assert!(checked >= 30, "only {checked} commands found");
}

#[test]
fn the_commands_in_experiment_and_config_comments_parse() {
    let root = repo_root();
    let mut files = Vec::new();
    for dir in ["experiments", "configs", "examples"] {
        toml_files(&root.join(dir), &mut files);
    }
    files.sort();
    let mut problems = Vec::new();
    let mut checked = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        checked += check_commands(file, &comment_lines(&text), &mut problems);
    }
    assert!(
        problems.is_empty(),
        "commands in comments that do not work:\n{}",
        problems.join("\n")
    );
    assert!(checked >= 5, "only {checked} commands found");
}

#[test]
fn shell_words_split_as_bash_does() {
    assert_eq!(
        shell_words(r#"spillover augment apply --op '{ name = "x" }' a.png  # note"#),
        [
            "spillover",
            "augment",
            "apply",
            "--op",
            r#"{ name = "x" }"#,
            "a.png"
        ]
    );
    assert_eq!(
        shell_words("spillover world config > my_world.toml"),
        ["spillover", "world", "config"]
    );
    assert_eq!(
        shell_words("spillover status d 2>/dev/null"),
        ["spillover", "status", "d"]
    );
    assert_eq!(
        shell_words(r#"a "b \"c\"" d\ e f#g"#),
        ["a", r#"b "c""#, "d e", "f#g"]
    );
    assert_eq!(
        code_lines("x\n```bash\nspillover sweep a.toml \\\n  --plan\n```\n"),
        [(3, "spillover sweep a.toml --plan".to_string())]
    );
}

#[test]
fn a_wrong_command_or_a_missing_file_is_found() {
    let here = repo_root().join("README.md");
    let mut problems = Vec::new();
    let lines = [
        (
            1,
            "spillover sweep experiments/demo.toml --no-such-flag".to_string(),
        ),
        (
            2,
            "spillover train configs/train/no_such.toml --out runs/x".to_string(),
        ),
        (3, "echo spillover sweep --bad".to_string()),
        (
            4,
            "spillover sweep experiments/demo.toml --plan".to_string(),
        ),
    ];
    assert_eq!(check_commands(&here, &lines, &mut problems), 3);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].starts_with("README.md:1:") && problems[0].contains("--no-such-flag"));
    assert!(problems[1].starts_with("README.md:2:") && problems[1].contains("no_such.toml"));
}
