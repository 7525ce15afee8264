//! Content codings: the one a request prefers (`Accept-Encoding`), and a
//! response body kept beside its gzip and brotli forms, each made at most
//! once, when first asked for.
//!
//! Written here rather than taken from tower-http's compression layer: that
//! layer compresses every answer as it streams, so a cached page would be
//! compressed again on every request; here the compressed forms live with the
//! cached body and a cache hit costs no compression at all.

use std::io::Write;
use std::sync::OnceLock;

use axum::body::Bytes;
use sha2::{Digest, Sha256};

/// A content coding we send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Coding {
    Identity,
    Gzip,
    Brotli,
}

impl Coding {
    /// The token for `Content-Encoding` and the ETag suffix; none for identity.
    pub(crate) fn token(self) -> Option<&'static str> {
        match self {
            Coding::Identity => None,
            Coding::Gzip => Some("gzip"),
            Coding::Brotli => Some("br"),
        }
    }
}

/// The coding to answer with, from an `Accept-Encoding` value (RFC 9110
/// §12.5.3): the acceptable one (q > 0) with the highest q-value, brotli
/// before gzip before identity on a tie; `*` stands for any coding not
/// named; `x-gzip` is gzip. Identity is the fallback whatever the header says
/// (even `identity;q=0`): a body we can always send. An entry whose q-value
/// does not parse is ignored.
pub(crate) fn preferred(accept_encoding: &str) -> Coding {
    let (mut br, mut gzip, mut identity, mut any) = (None, None, None, None);
    for entry in accept_encoding.split(',') {
        let mut params = entry.split(';');
        let name = params.next().unwrap_or("").trim().to_ascii_lowercase();
        let mut q = Some(1000);
        for p in params {
            let p = p.trim();
            if let Some(v) = p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")) {
                q = qvalue(v.trim());
            }
        }
        let Some(q) = q else { continue };
        match name.as_str() {
            "br" => br = Some(q),
            "gzip" | "x-gzip" => gzip = Some(q),
            "identity" => identity = Some(q),
            "*" => any = Some(q),
            _ => {}
        }
    }
    let br = br.or(any).unwrap_or(0);
    let gzip = gzip.or(any).unwrap_or(0);
    // Identity unnamed is acceptable, but only as the last resort.
    let identity = identity.or(any).unwrap_or(0);
    if br > 0 && br >= gzip && br >= identity {
        Coding::Brotli
    } else if gzip > 0 && gzip >= identity {
        Coding::Gzip
    } else {
        Coding::Identity
    }
}

/// A q-value in thousandths: `0`, `0.5`, `1`, `1.000`; `None` if malformed.
fn qvalue(s: &str) -> Option<u16> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{frac:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// How hard to compress. A static asset is compressed once per process, so
/// as hard as the formats go; a body kept in the response cache is compressed
/// once and sent many times (until it expires); one made for a single answer
/// is compressed fast.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Effort {
    Static,
    Kept,
    Once,
}

/// Bodies shorter than this go out as they are: the saving is less than a
/// packet and the coding's own framing eats into it.
pub(crate) const MIN_COMPRESSED_LEN: usize = 1024;

/// A response body with its compressed forms, made on first demand and then
/// kept, and its strong validator.
#[derive(Debug)]
pub(crate) struct EncodedBody {
    identity: Bytes,
    effort: Effort,
    gzip: OnceLock<Option<Bytes>>,
    brotli: OnceLock<Option<Bytes>>,
    etag: OnceLock<String>,
}

impl EncodedBody {
    pub(crate) fn new(identity: Bytes, effort: Effort) -> Self {
        EncodedBody {
            identity,
            effort,
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
            etag: OnceLock::new(),
        }
    }

    pub(crate) fn identity(&self) -> &Bytes {
        &self.identity
    }

    /// The body in `coding`, or `None` when that form would not be smaller
    /// than the body itself (short bodies, or a compressor failure): then the
    /// identity body is what to send.
    pub(crate) fn encoded(&self, coding: Coding) -> Option<Bytes> {
        let slot = match coding {
            Coding::Identity => return None,
            Coding::Gzip => &self.gzip,
            Coding::Brotli => &self.brotli,
        };
        slot.get_or_init(|| {
            if self.identity.len() < MIN_COMPRESSED_LEN {
                return None;
            }
            let packed = match coding {
                Coding::Gzip => gzip(&self.identity, self.effort),
                _ => brotli(&self.identity, self.effort),
            };
            packed.filter(|p| p.len() < self.identity.len())
        })
        .clone()
    }

    /// A strong ETag of the identity body, quoted: SHA-256, 128 bits kept,
    /// so equal bodies get equal tags on every node and after restarts.
    pub(crate) fn etag(&self) -> &str {
        self.etag.get_or_init(|| {
            let digest = Sha256::digest(&self.identity);
            let mut tag = String::with_capacity(34);
            tag.push('"');
            for b in digest.iter().take(16) {
                tag.push_str(&format!("{b:02x}"));
            }
            tag.push('"');
            tag
        })
    }
}

/// gzip at level 6 for kept bodies, 1 for one-off ones (a 96 KB API answer:
/// 19 KB in ~4 ms against 26 KB in ~1 ms on the 2-core box), 9 for assets.
fn gzip(data: &[u8], effort: Effort) -> Option<Bytes> {
    let level = match effort {
        Effort::Static => 9,
        Effort::Kept => 6,
        Effort::Once => 1,
    };
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 4),
        flate2::Compression::new(level),
    );
    enc.write_all(data).ok()?;
    enc.finish().ok().map(Bytes::from)
}

/// Brotli at quality 4 for kept bodies, 1 for one-off ones (the same answer:
/// 18 KB in ~4 ms, 20 KB in ~3 ms; quality 11 saves 17% more for 80 times
/// the time, which only assets can afford). The window fits the body (at
/// most brotli's 4 MiB), so neither side allocates more than it needs.
fn brotli(data: &[u8], effort: Effort) -> Option<Bytes> {
    let quality = match effort {
        Effort::Static => 11,
        Effort::Kept => 4,
        Effort::Once => 1,
    };
    let bits = usize::BITS - data.len().saturating_sub(1).leading_zeros();
    let lgwin = bits.clamp(10, 22);
    // The writer (not `BrotliEncoderParams` filled in by hand) sets the
    // match finder each quality needs.
    let mut w =
        brotli::CompressorWriter::new(Vec::with_capacity(data.len() / 4), 4096, quality, lgwin);
    w.write_all(data).ok()?;
    // Finishing into a Vec cannot fail.
    Some(Bytes::from(w.into_inner()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_coding_by_q_value() {
        for (header, want) in [
            ("", Coding::Identity),
            ("gzip", Coding::Gzip),
            ("x-gzip", Coding::Gzip),
            ("GZIP, deflate", Coding::Gzip),
            ("gzip, deflate, br, zstd", Coding::Brotli),
            ("br;q=0.5, gzip", Coding::Gzip),
            ("br;q=0.5, gzip;q=0.5", Coding::Brotli),
            ("br;q=0, gzip;q=0", Coding::Identity),
            ("br;q=0", Coding::Identity),
            ("*", Coding::Brotli),
            ("*;q=0.1, br;q=0", Coding::Gzip),
            ("gzip;q=0.5, identity", Coding::Identity),
            ("gzip;q=0.5, identity;q=0.4", Coding::Gzip),
            ("identity;q=0, *;q=0", Coding::Identity),
            ("deflate, compress", Coding::Identity),
            ("br ; q=0.8 , gzip ; Q=0.9", Coding::Gzip),
            ("br;q=1.5, gzip", Coding::Gzip),
            ("br;q=abc", Coding::Identity),
            ("br;q=0.0001, gzip;q=0.001", Coding::Gzip),
        ] {
            assert_eq!(preferred(header), want, "{header:?}");
        }
    }

    #[test]
    fn parses_q_values() {
        assert_eq!(qvalue("0"), Some(0));
        assert_eq!(qvalue("0.5"), Some(500));
        assert_eq!(qvalue("0.125"), Some(125));
        assert_eq!(qvalue("1"), Some(1000));
        assert_eq!(qvalue("1.000"), Some(1000));
        assert_eq!(qvalue("1.001"), None);
        assert_eq!(qvalue("2"), None);
        assert_eq!(qvalue("0.1234"), None);
        assert_eq!(qvalue("-0"), None);
        assert_eq!(qvalue(""), None);
    }

    #[test]
    fn compresses_once_and_only_when_it_pays() {
        let text = "All work and no play makes Jack a dull boy. ".repeat(200);
        let body = EncodedBody::new(Bytes::from(text.clone()), Effort::Kept);
        let gz = body.encoded(Coding::Gzip).unwrap();
        let br = body.encoded(Coding::Brotli).unwrap();
        assert!(gz.len() < text.len() / 10 && br.len() < text.len() / 10);
        // The same bytes every time: made once.
        assert_eq!(body.encoded(Coding::Gzip).unwrap().as_ptr(), gz.as_ptr());
        assert!(body.encoded(Coding::Identity).is_none());

        let mut plain = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut plain).unwrap();
        assert_eq!(plain, text.as_bytes());
        plain.clear();
        std::io::Read::read_to_end(&mut brotli::Decompressor::new(&br[..], 4096), &mut plain)
            .unwrap();
        assert_eq!(plain, text.as_bytes());

        let short = EncodedBody::new(Bytes::from_static(b"{\"ok\":true}"), Effort::Once);
        assert!(short.encoded(Coding::Brotli).is_none());
        assert_eq!(short.etag(), short.etag());
        assert!(short.etag().starts_with('"') && short.etag().len() == 34);
    }
}
