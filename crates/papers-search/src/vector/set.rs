//! [`VectorSet`]: one model's vectors by paper id, and their file format.

use crate::error::SearchError;

/// One model's vectors, keyed by paper id, in a form a caller can persist.
///
/// Binary format (little-endian): magic `PSVECSET`, version `u32` (1),
/// model id (`u32` length + UTF-8), `dim: u32`, `count: u64`,
/// `count × dim` f32 values, `count` ids (`u32` length + UTF-8 each), and a
/// CRC-32 of everything before it.
#[derive(Clone, Debug, PartialEq)]
pub struct VectorSet {
    pub model_id: String,
    pub dim: usize,
    pub ids: Vec<String>,
    /// `ids.len() × dim` values, row by row.
    pub data: Vec<f32>,
}

const MAGIC: &[u8; 8] = b"PSVECSET";
const FORMAT_VERSION: u32 = 1;

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SearchError> {
        if self.bytes.len() < n {
            return Err(SearchError::VectorFormat("truncated".into()));
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }
    fn u32(&mut self) -> Result<u32, SearchError> {
        let mut b = [0u8; 4];
        b.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(b))
    }
    fn u64(&mut self) -> Result<u64, SearchError> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(b))
    }
    fn string(&mut self) -> Result<String, SearchError> {
        let len = self.u32()? as usize;
        String::from_utf8(self.take(len)?.to_vec())
            .map_err(|_| SearchError::VectorFormat("a string is not UTF-8".into()))
    }
}

impl VectorSet {
    pub fn new(model_id: impl Into<String>, dim: usize) -> Self {
        VectorSet {
            model_id: model_id.into(),
            dim,
            ids: Vec::new(),
            data: Vec::new(),
        }
    }

    /// The model that made these vectors.
    pub fn model_id(&self) -> &str {
        &self.model_id
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The `i`-th vector.
    pub fn vector(&self, i: usize) -> &[f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }

    pub fn push(&mut self, id: impl Into<String>, vector: &[f32]) -> Result<(), SearchError> {
        if vector.len() != self.dim {
            return Err(SearchError::Dimension {
                expected: self.dim,
                actual: vector.len(),
            });
        }
        self.ids.push(id.into());
        self.data.extend_from_slice(vector);
        Ok(())
    }

    /// Errs with [`SearchError::ModelMismatch`] unless these vectors were
    /// made by `model_id`, so the caller can offer a re-embed.
    pub fn check_model(&self, model_id: &str) -> Result<(), SearchError> {
        if self.model_id == model_id {
            Ok(())
        } else {
            Err(SearchError::ModelMismatch {
                stored: self.model_id.clone(),
                embedder: model_id.to_string(),
            })
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let ids_len: usize = self.ids.iter().map(|id| 4 + id.len()).sum();
        let mut out = Vec::with_capacity(40 + self.model_id.len() + self.data.len() * 4 + ids_len);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(self.model_id.len() as u32).to_le_bytes());
        out.extend_from_slice(self.model_id.as_bytes());
        out.extend_from_slice(&(self.dim as u32).to_le_bytes());
        out.extend_from_slice(&(self.ids.len() as u64).to_le_bytes());
        for x in &self.data {
            out.extend_from_slice(&x.to_le_bytes());
        }
        for id in &self.ids {
            out.extend_from_slice(&(id.len() as u32).to_le_bytes());
            out.extend_from_slice(id.as_bytes());
        }
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SearchError> {
        let format = |m: &str| SearchError::VectorFormat(m.to_string());
        if bytes.len() < MAGIC.len() + 8 || &bytes[..MAGIC.len()] != MAGIC {
            return Err(format("not a vector set (bad magic)"));
        }
        let (body, crc) = bytes.split_at(bytes.len() - 4);
        let mut reader = Reader {
            bytes: &body[MAGIC.len()..],
        };
        let version = reader.u32()?;
        if version != FORMAT_VERSION {
            return Err(SearchError::VectorFormat(format!(
                "version {version} is not supported (expected {FORMAT_VERSION})"
            )));
        }
        let mut crc_bytes = [0u8; 4];
        crc_bytes.copy_from_slice(crc);
        if crc32fast::hash(body) != u32::from_le_bytes(crc_bytes) {
            return Err(format("checksum mismatch (corrupt file)"));
        }
        let model_id = reader.string()?;
        let dim = reader.u32()? as usize;
        let count = usize::try_from(reader.u64()?).map_err(|_| format("count too large"))?;
        let values = count
            .checked_mul(dim)
            .and_then(|n| n.checked_mul(4))
            .ok_or_else(|| format("count too large"))?;
        let data = reader
            .take(values)?
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let ids = (0..count)
            .map(|_| reader.string())
            .collect::<Result<Vec<_>, _>>()?;
        if !reader.bytes.is_empty() {
            return Err(format("trailing bytes"));
        }
        Ok(VectorSet {
            model_id,
            dim,
            ids,
            data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vector_set_round_trips_and_detects_damage() {
        let mut set = VectorSet::new("hash-64", 2);
        set.push("2401.00001", &[0.6, 0.8]).unwrap();
        set.push("hep-th/9901001", &[-1.0, 0.0]).unwrap();
        let bytes = set.to_bytes();
        let back = VectorSet::from_bytes(&bytes).unwrap();
        assert_eq!(back, set);
        assert_eq!(back.model_id(), "hash-64");
        assert!(back.check_model("hash-64").is_ok());
        assert!(matches!(
            back.check_model("sentence-transformers/all-MiniLM-L6-v2"),
            Err(SearchError::ModelMismatch { .. })
        ));
        let mut corrupt = bytes.clone();
        corrupt[30] ^= 1;
        assert!(VectorSet::from_bytes(&corrupt).is_err());
        assert!(VectorSet::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        assert!(VectorSet::from_bytes(b"nonsense").is_err());
        let empty = VectorSet::new("m", 384);
        assert_eq!(VectorSet::from_bytes(&empty.to_bytes()).unwrap(), empty);
    }
}
