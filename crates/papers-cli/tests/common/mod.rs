//! What the binary's test suites share: a free loopback port and one
//! HTTP/1.1 request to a server they started.

#![allow(dead_code)] // each suite uses what it needs

use std::io::{Read, Write};
use std::time::Duration;

pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// One request on its own connection: (status, body without the headers),
/// or `None` when the connection failed.
pub fn request(port: u16, method: &str, path: &str, token: Option<&str>) -> Option<(u16, String)> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    let status = buf.split(' ').nth(1)?.parse().ok()?;
    let body = buf.split_once("\r\n\r\n").map(|(_, b)| b.to_string())?;
    Some((status, body))
}

/// `GET path`.
pub fn get(port: u16, path: &str) -> Option<(u16, String)> {
    request(port, "GET", path, None)
}

pub const BIN: &str = env!("CARGO_BIN_EXE_papers");

/// A file or folder of the repository's test data.
pub fn data(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data")
        .join(rel)
}

/// `papers --data-dir DIR --quiet ARGS…` with the store at `database_url`
/// (the data directory's SQLite file when `None`), and no configuration
/// or model from the environment (a test passes what it needs).
pub fn papers_command(
    data_dir: &std::path::Path,
    database_url: Option<&str>,
    args: &[&str],
) -> std::process::Command {
    let mut cmd = std::process::Command::new(BIN);
    cmd.arg("--data-dir")
        .arg(data_dir)
        .arg("--quiet")
        .args(args)
        .env_remove("PAPERS_CONFIG")
        .env_remove("PAPERS_MODEL_DIR")
        .env_remove("PAPERS_DATABASE_URL");
    if let Some(url) = database_url {
        cmd.env("PAPERS_DATABASE_URL", url);
    }
    cmd
}

/// A loopback HTTP server (one thread, a connection at a time) answering
/// each request by `route(request line)`: (content type, body), or `None`
/// for a 404.
pub fn fixture_server(
    route: impl Fn(&str) -> Option<(&'static str, Vec<u8>)> + Send + 'static,
) -> u16 {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut line = String::new();
            let mut reader = BufReader::new(s.try_clone().unwrap());
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
            }
            let (status, kind, body) = match route(&line) {
                Some((kind, body)) => ("200 OK", kind, body),
                None => ("404 Not Found", "text/plain", b"no such file".to_vec()),
            };
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(&body);
        }
    });
    port
}
