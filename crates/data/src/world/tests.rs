//! Tests that the labels match the pixels, and that the world is deterministic.

use super::*;

fn small_cfg() -> WorldConfig {
    WorldConfig::from_toml_str("[splits.train]\nimages_per_class = 6\n[splits.val]\nimages_per_class = 8\n", "test").unwrap()
}

#[test]
fn val_plan_balances_top_factors() {
    let cfg = WorldConfig::default();
    let p = plan(&cfg, Split::Val);
    assert_eq!(p.len(), 5000);
    for f in Factor::ALL {
        let n = p.iter().filter(|i| i.top == Some(f)).count();
        assert!((310..=320).contains(&n), "{f}: {n} images");
    }
    assert_eq!(p[0].file_name, "world_val_00000001.png");
    assert_eq!(plan(&small_cfg(), Split::Val).len(), 80);
}
