//! The example's binary knows the user's op. (The sweep and report with it, which drive this
//! binary end to end, are in the top-level tests/custom_augment.rs.)

use std::process::Command;

#[test]
fn the_binary_lists_the_users_op() {
    let o = Command::new(env!("CARGO_BIN_EXE_spillover-vignette"))
        .args(["augment", "list"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("vignette"));
}
