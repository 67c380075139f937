//! Builds the web apps in `../../web` with npm (Vite) whenever their sources
//! change, so `cargo build` always embeds a fresh bundle.
//!
//! - `npm ci` runs when `web/node_modules` is missing or `package-lock.json`
//!   changed since the last install;
//! - `npm run build` writes `web/dist`, which `src/lib.rs` embeds;
//! - `KEFU_WEB_SKIP_BUILD=1` skips npm entirely and embeds the existing
//!   `web/dist` (for machines without Node that were handed a built dist).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const INPUTS: &[&str] = &[
    "src",
    "index.html",
    "widget.html",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "vite.sdk.config.ts",
    "tsconfig.json",
];

fn main() {
    let manifest = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let web = manifest.join("../../web");
    let web = web.canonicalize().unwrap_or(web);
    for input in INPUTS {
        println!("cargo:rerun-if-changed={}", web.join(input).display());
    }
    println!("cargo:rerun-if-env-changed=KEFU_WEB_SKIP_BUILD");

    let dist_index = web.join("dist/index.html");
    if std::env::var("KEFU_WEB_SKIP_BUILD").is_ok_and(|v| v == "1") {
        if !dist_index.exists() {
            fail(&format!(
                "KEFU_WEB_SKIP_BUILD=1 but {} does not exist: build the web apps first (cd web && npm ci && npm run build) or unset KEFU_WEB_SKIP_BUILD",
                dist_index.display()
            ));
        }
        return;
    }

    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    match Command::new(npm)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(s) if s.success() => {}
        _ => fail(
            "npm was not found on PATH. Kefu embeds its web apps, which are built with Node.js (20 or newer) and npm: \
             install them (https://nodejs.org, or your distribution's nodejs and npm packages if they are recent enough), or set KEFU_WEB_SKIP_BUILD=1 to embed an existing web/dist",
        ),
    }

    check_node();

    let lock = web.join("package-lock.json");
    let installed_lock = web.join("node_modules/.kefu-package-lock.json");
    let lock_bytes = std::fs::read(&lock)
        .unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", lock.display())));
    let up_to_date = std::fs::read(&installed_lock).is_ok_and(|b| b == lock_bytes);
    if !up_to_date {
        run(npm, &["ci", "--no-audit", "--no-fund"], &web);
        if let Err(e) = std::fs::write(&installed_lock, &lock_bytes) {
            println!("cargo:warning=could not record the installed package-lock: {e}");
        }
    }
    run(npm, &["run", "build"], &web);
    if !dist_index.exists() {
        fail(&format!(
            "`npm run build` did not produce {}",
            dist_index.display()
        ));
    }
}

/// Vite needs Node.js 20.19 or newer; say so plainly instead of failing deep
/// inside the build.
fn check_node() {
    let out = Command::new("node").arg("--version").output();
    let version = match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_owned(),
        _ => fail(
            "node was not found on PATH: install Node.js 20.19 or newer (npm alone is not enough)",
        ),
    };
    let mut parts = version
        .trim_start_matches('v')
        .split('.')
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if major < 20 || (major == 20 && minor < 19) || (major == 22 && minor < 12) {
        fail(&format!(
            "Node.js {version} is too old to build the web apps: install Node.js 20.19+ or 22.12+ (or set KEFU_WEB_SKIP_BUILD=1 to embed an existing web/dist)"
        ));
    }
}

fn run(npm: &str, args: &[&str], dir: &Path) {
    // npm's chatter goes to stderr: stdout is for cargo directives.
    let status = Command::new(npm)
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::from(std::io::stderr()))
        .status()
        .unwrap_or_else(|e| fail(&format!("could not run `{npm} {}`: {e}", args.join(" "))));
    if !status.success() {
        fail(&format!(
            "`{npm} {}` failed in {} ({status}); see the output above",
            args.join(" "),
            dir.display()
        ));
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("error: kefu-web: {msg}");
    panic!("kefu-web: {msg}");
}
