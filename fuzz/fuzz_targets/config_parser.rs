//! Fuzz target: the pipeline configuration parser and its file-free checks on arbitrary text.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use slant::pipeline::PipelineConfig;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = PipelineConfig::parse(text, Path::new("fuzz.toml")) {
        let _ = config.validate();
    }
});
