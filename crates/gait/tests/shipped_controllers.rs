//! Every controller file shipped under `assets/controllers` (the default and the experimental
//! ones the docs point users to) parses and passes the parameter checks, so none rots unseen
//! as fields are added.

use std::path::Path;

use gait::controller::walking::WalkingParams;

#[test]
fn the_shipped_controller_files_load() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/controllers");
    let mut dirs = vec![root.clone()];
    let mut n = 0;
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "ron") {
                let text = std::fs::read_to_string(&path).unwrap();
                WalkingParams::from_ron_str(&text, &path.display().to_string())
                    .unwrap_or_else(|e| panic!("{e}"));
                n += 1;
            }
        }
    }
    assert!(n >= 2, "{n} controller files under {}", root.display());
}
