//! The example mapping files (`mappings/` at the repository's root), embedded so that `demo` and
//! `sandbox --write-config` write them from any folder. A test checks this list against `mappings/`.

use std::path::Path;

pub const EXAMPLE_MAPPINGS: &[(&str, &str)] = &[
    ("portfolio.toml", include_str!("../../../../mappings/portfolio.toml")),
    ("properties/prop_0001.toml", include_str!("../../../../mappings/properties/prop_0001.toml")),
    ("properties/prop_0002.toml", include_str!("../../../../mappings/properties/prop_0002.toml")),
    ("properties/prop_0003.toml", include_str!("../../../../mappings/properties/prop_0003.toml")),
    ("README.md", include_str!("../../../../mappings/README.md")),
];

/// Writes the example mapping files into `dir`.
pub fn write_example_mappings(dir: &Path) -> std::io::Result<()> {
    for (name, text) in EXAMPLE_MAPPINGS {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, text)?;
    }
    Ok(())
}
