//! `file:` URIs and paths, on Unix and on Windows. The conversion is a pure
//! function of the platform, so both are tested everywhere: editors on
//! Windows send `file:///c%3A/Users/me/x.go` (VS Code: a lowercase drive,
//! the colon escaped) or `file:///C:/Users/me/x.go`, and UNC shares as
//! `file://server/share/x.go`.

use std::path::PathBuf;

/// The path a `file:` URI names, spelled for the platform; `None` for
/// other schemes.
pub fn to_path(uri: &str, windows: bool) -> Option<String> {
    let rest = uri.strip_prefix("file://")?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let path = decode(path)?;
    if !windows {
        return (host.is_empty() || host == "localhost").then_some(path);
    }
    if !host.is_empty() && host != "localhost" {
        return Some(format!(r"\\{host}{}", path.replace('/', r"\")));
    }
    // `/c:/x` → `C:\x`: the drive letter upper-cased, as Windows shows it.
    let p = path.strip_prefix('/').unwrap_or(&path);
    let b = p.as_bytes();
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        let drive = (b[0] as char).to_ascii_uppercase();
        return Some(format!("{drive}:{}", p[2..].replace('/', r"\")));
    }
    Some(path.replace('/', r"\"))
}

/// The `file:` URI of an absolute path of the platform.
pub fn from_path(path: &str, windows: bool) -> String {
    if windows {
        if let Some(unc) = path.strip_prefix(r"\\") {
            let unc = unc.replace('\\', "/");
            let (host, rest) = unc.split_once('/').unwrap_or((&unc, ""));
            return format!("file://{host}/{}", encode(rest));
        }
        let p = path.replace('\\', "/");
        let b = p.as_bytes();
        if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
            // As VS Code writes it, so the editor sees its own URI.
            let drive = (b[0] as char).to_ascii_lowercase();
            return format!("file:///{drive}%3A{}", encode(&p[2..]));
        }
        return format!("file:///{}", encode(p.trim_start_matches('/')));
    }
    format!("file://{}", encode(path))
}

/// The platform's spelling of a URI's path (the LSP front door's use).
pub fn path_of(uri: &str) -> Option<PathBuf> {
    to_path(uri, cfg!(windows)).map(PathBuf::from)
}

/// A path's URI on this platform; relative paths are made absolute first.
pub fn uri_of(path: &str) -> Option<String> {
    let p = std::path::Path::new(path);
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::fs::canonicalize(p).ok()?
    };
    Some(from_path(&abs.to_string_lossy(), cfg!(windows)))
}

fn decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        if c.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=@".contains(&c) {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{c:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_drive_letters_in_every_spelling() {
        for uri in [
            "file:///c%3A/Users/me/srv/main.go",
            "file:///C:/Users/me/srv/main.go",
            "file:///c:/Users/me/srv/main.go",
            "file://localhost/C%3A/Users/me/srv/main.go",
        ] {
            assert_eq!(
                to_path(uri, true).as_deref(),
                Some(r"C:\Users\me\srv\main.go"),
                "{uri}"
            );
        }
        assert_eq!(
            from_path(r"C:\Users\me\my srv\main.go", true),
            "file:///c%3A/Users/me/my%20srv/main.go"
        );
        // A round trip gives the same path back.
        let p = r"D:\work\ünïcode\h.go";
        assert_eq!(to_path(&from_path(p, true), true).as_deref(), Some(p));
    }

    #[test]
    fn windows_shares() {
        assert_eq!(
            to_path("file://server/share/app/main.go", true).as_deref(),
            Some(r"\\server\share\app\main.go")
        );
        assert_eq!(
            from_path(r"\\server\share\app\main.go", true),
            "file://server/share/app/main.go"
        );
    }

    #[test]
    fn unix_paths() {
        assert_eq!(
            to_path("file:///home/me/my%20srv/main.go", false).as_deref(),
            Some("/home/me/my srv/main.go")
        );
        assert_eq!(
            from_path("/home/me/my srv/main.go", false),
            "file:///home/me/my%20srv/main.go"
        );
        assert_eq!(to_path("untitled:Untitled-1", false), None);
        assert_eq!(to_path("file://elsewhere/x.go", false), None);
        assert_eq!(to_path("file:///bad%zz", false), None);
    }
}
