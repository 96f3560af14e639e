//! The `slant` command line: parses flags and hands over to the library. Exit codes: 0 success,
//! 1 usage or setup error, 2 a record failed under `--strict`.

mod cli;

fn main() {
    let code = cli::main();
    std::process::exit(code);
}
