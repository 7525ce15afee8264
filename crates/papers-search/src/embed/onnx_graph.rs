//! Makes ONNX Runtime compute all-MiniLM's int8 model in int8.
//!
//! `model-int8.onnx` stores each weight as int8 with a per-column scale, but
//! its graph turns them back into f32 (`Cast` → `Mul(scale)` → `MatMul`):
//! ONNX Runtime folds that into f32 constants and multiplies in f32, so the
//! int8 file ran no faster than an f32 one. Its attention also guards every
//! softmax with `Where(IsNaN(p), 0, p)`, two passes over each
//! `[batch, heads, seq, seq]` tensor that took a third of the run time.
//!
//! [`int8_compute`] rewrites the graph when the model loads (nothing is
//! written to disk; the file keeps its pinned sha256):
//! - `MatMul(x, Mul(Cast(w), scale))` becomes ONNX Runtime's
//!   `com.microsoft.DynamicQuantizeMatMul(x, w, scale)`: the same int8
//!   weights and scales, with the activations quantised per batch, run by
//!   MLAS's u8×s8 kernels (VNNI, AMX where the CPU has them). Only the square
//!   products (the attention's query, key, value and output projections,
//!   384 → 384) are rewritten. The feed-forward layers (384 → 1536 → 384)
//!   stay f32: their inputs (after LayerNorm, after GELU) have a few outlier
//!   channels that one activation scale per tensor quantises badly. Measured
//!   on the reference sentences: the lowest cosine to the f32 vectors is
//!   0.9971 with the attention projections in int8, 0.9913 with the
//!   feed-forward up projections too (below the 0.995 the vectors must keep).
//! - `Where(IsNaN(p), c, p)` becomes `Identity(p)`: a softmax row is NaN only
//!   when every key is masked, and each row always sees `[CLS]`.
//!
//! Throughput on this 2-core Xeon is in BENCHMARKS.md.
//!
//! The rewrite works on protobuf's wire format: the few fields it reads or
//! writes are decoded, and every other byte is copied as it was. The field
//! numbers are those of `onnx.proto` (ONNX 1.x).

use std::collections::HashMap;

/// What [`int8_compute`] changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rewrite {
    /// `MatMul`s now computed in int8.
    pub int8_matmuls: usize,
    /// `MatMul`s on int8 weights left in f32 (the feed-forward layers).
    pub f32_matmuls: usize,
    /// Softmax NaN guards removed.
    pub nan_guards: usize,
}

// onnx.proto field numbers.
const MODEL_GRAPH: u32 = 7;
const MODEL_OPSET_IMPORT: u32 = 8;
const OPSET_DOMAIN: u32 = 1;
const OPSET_VERSION: u32 = 2;
const GRAPH_NODE: u32 = 1;
const GRAPH_INITIALIZER: u32 = 5;
const NODE_INPUT: u32 = 1;
const NODE_OUTPUT: u32 = 2;
const NODE_NAME: u32 = 3;
const NODE_OP_TYPE: u32 = 4;
const NODE_DOMAIN: u32 = 7;
const TENSOR_DIMS: u32 = 1;
const TENSOR_DATA_TYPE: u32 = 2;
const TENSOR_NAME: u32 = 8;
/// `TensorProto.DataType.INT8`.
const INT8: u64 = 3;
const MS_DOMAIN: &str = "com.microsoft";

const VARINT: u8 = 0;
const LEN: u8 = 2;

/// One field of a protobuf message: its number, wire type and value bytes
/// (for length-delimited fields, the payload without its length).
#[derive(Clone, Copy, Debug)]
struct Field<'a> {
    number: u32,
    wire: u8,
    value: &'a [u8],
}

fn read_varint(buf: &[u8], pos: &mut usize) -> Result<u64, String> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *buf.get(*pos).ok_or("truncated varint")?;
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err("varint longer than 10 bytes".into())
}

fn write_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// The fields of one message, in order.
fn fields(buf: &[u8]) -> Result<Vec<Field<'_>>, String> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < buf.len() {
        let key = read_varint(buf, &mut pos)?;
        let number = u32::try_from(key >> 3).map_err(|_| "field number too large")?;
        let wire = (key & 7) as u8;
        let start = pos;
        let end = match wire {
            VARINT => {
                read_varint(buf, &mut pos)?;
                pos
            }
            1 => start + 8,
            LEN => {
                let len =
                    usize::try_from(read_varint(buf, &mut pos)?).map_err(|_| "length too large")?;
                let payload = pos;
                pos = payload.checked_add(len).ok_or("length too large")?;
                if pos > buf.len() {
                    return Err(format!("field {number} runs past its message"));
                }
                out.push(Field {
                    number,
                    wire,
                    value: &buf[payload..pos],
                });
                continue;
            }
            5 => start + 4,
            other => return Err(format!("field {number} has wire type {other}")),
        };
        if end > buf.len() {
            return Err(format!("field {number} runs past its message"));
        }
        pos = end;
        out.push(Field {
            number,
            wire,
            value: &buf[start..end],
        });
    }
    Ok(out)
}

fn write_field(out: &mut Vec<u8>, number: u32, wire: u8, value: &[u8]) {
    write_varint(out, u64::from(number) << 3 | u64::from(wire));
    if wire == LEN {
        write_varint(out, value.len() as u64);
    }
    out.extend_from_slice(value);
}

fn text(f: &Field<'_>) -> Result<String, String> {
    String::from_utf8(f.value.to_vec()).map_err(|_| format!("field {} is not UTF-8", f.number))
}

fn strings(fs: &[Field<'_>], number: u32) -> Result<Vec<String>, String> {
    fs.iter()
        .filter(|f| f.number == number && f.wire == LEN)
        .map(text)
        .collect()
}

/// A node's inputs, outputs and operator (the node itself is copied as it
/// was, or replaced whole).
struct Node {
    op: String,
    domain: String,
    inputs: Vec<String>,
    outputs: Vec<String>,
}

impl Node {
    fn parse(buf: &[u8]) -> Result<Self, String> {
        let fields = fields(buf)?;
        let one = |n| -> Result<String, String> {
            Ok(strings(&fields, n)?.into_iter().next().unwrap_or_default())
        };
        Ok(Node {
            op: one(NODE_OP_TYPE)?,
            domain: one(NODE_DOMAIN)?,
            inputs: strings(&fields, NODE_INPUT)?,
            outputs: strings(&fields, NODE_OUTPUT)?,
        })
    }

    fn is(&self, op: &str) -> bool {
        self.op == op && self.domain.is_empty()
    }
}

/// A new node with no attributes.
fn encode_node(name: &str, op: &str, domain: &str, inputs: &[&str], outputs: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for i in inputs {
        write_field(&mut out, NODE_INPUT, LEN, i.as_bytes());
    }
    for o in outputs {
        write_field(&mut out, NODE_OUTPUT, LEN, o.as_bytes());
    }
    write_field(&mut out, NODE_NAME, LEN, name.as_bytes());
    write_field(&mut out, NODE_OP_TYPE, LEN, op.as_bytes());
    if !domain.is_empty() {
        write_field(&mut out, NODE_DOMAIN, LEN, domain.as_bytes());
    }
    out
}

/// An initializer's name, element type and shape.
struct Init {
    data_type: u64,
    dims: Vec<u64>,
}

fn parse_init(buf: &[u8]) -> Result<(String, Init), String> {
    let fs = fields(buf)?;
    let mut dims = Vec::new();
    let mut data_type = 0;
    let mut name = String::new();
    for f in &fs {
        match (f.number, f.wire) {
            (TENSOR_DIMS, VARINT) => dims.push(read_varint(f.value, &mut 0)?),
            (TENSOR_DIMS, LEN) => {
                let mut pos = 0;
                while pos < f.value.len() {
                    dims.push(read_varint(f.value, &mut pos)?);
                }
            }
            (TENSOR_DATA_TYPE, VARINT) => data_type = read_varint(f.value, &mut 0)?,
            (TENSOR_NAME, LEN) => name = text(f)?,
            _ => {}
        }
    }
    Ok((name, Init { data_type, dims }))
}

/// The same initializer with its shape set to `dims`.
fn with_dims(buf: &[u8], dims: &[u64]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for d in dims {
        let mut v = Vec::new();
        write_varint(&mut v, *d);
        write_field(&mut out, TENSOR_DIMS, VARINT, &v);
    }
    for f in fields(buf)? {
        if f.number != TENSOR_DIMS {
            write_field(&mut out, f.number, f.wire, f.value);
        }
    }
    Ok(out)
}

/// The weight-dequantising chain behind a `MatMul`'s second input:
/// (int8 weight, scale) initializer names, and the `Cast` and `Mul` nodes.
struct Dequant {
    weight: String,
    scale: String,
    cast: usize,
    mul: usize,
    k: u64,
    n: u64,
}

/// See the module documentation. Errors name what could not be read; a
/// graph without the patterns comes back unchanged but for the opset.
pub fn int8_compute(model: &[u8]) -> Result<(Vec<u8>, Rewrite), String> {
    let top = fields(model)?;
    let graph_at = top
        .iter()
        .position(|f| f.number == MODEL_GRAPH && f.wire == LEN)
        .ok_or("the model has no graph")?;
    let graph = fields(top[graph_at].value)?;
    let mut nodes = Vec::new();
    let mut inits: HashMap<String, (usize, Init)> = HashMap::new();
    for (i, f) in graph.iter().enumerate() {
        match (f.number, f.wire) {
            (GRAPH_NODE, LEN) => nodes.push(Node::parse(f.value)?),
            (GRAPH_INITIALIZER, LEN) => {
                let (name, init) = parse_init(f.value)?;
                inits.insert(name, (i, init));
            }
            _ => {}
        }
    }
    let mut producer: HashMap<&str, usize> = HashMap::new();
    let mut uses: HashMap<&str, usize> = HashMap::new();
    for (i, n) in nodes.iter().enumerate() {
        for o in &n.outputs {
            producer.insert(o, i);
        }
        for input in &n.inputs {
            *uses.entry(input).or_default() += 1;
        }
    }
    let made_by = |name: &str, op: &str| producer.get(name).copied().filter(|&p| nodes[p].is(op));
    let used_once = |name: &str| uses.get(name).copied() == Some(1);

    let mut report = Rewrite::default();
    // Node index -> its replacement (None: dropped).
    let mut replace: HashMap<usize, Option<Vec<u8>>> = HashMap::new();
    // Initializer field index -> new bytes.
    let mut reshaped: HashMap<usize, Vec<u8>> = HashMap::new();
    for (i, node) in nodes.iter().enumerate() {
        if node.is("Where") && node.inputs.len() == 3 && node.outputs.len() == 1 {
            let guard = made_by(&node.inputs[0], "IsNaN")
                .filter(|&g| nodes[g].inputs.first() == node.inputs.get(2));
            if let Some(g) = guard {
                let name = format!("{}_no_nan_guard", node.outputs[0]);
                let identity = encode_node(
                    &name,
                    "Identity",
                    "",
                    &[&node.inputs[2]],
                    &[&node.outputs[0]],
                );
                replace.insert(i, Some(identity));
                if used_once(&node.inputs[0]) {
                    replace.insert(g, None);
                }
                report.nan_guards += 1;
            }
        }
        if node.is("MatMul") && node.inputs.len() == 2 && node.outputs.len() == 1 {
            let Some(d) = dequant(&node.inputs[1], &nodes, &inits, &made_by) else {
                continue;
            };
            if d.k != d.n {
                report.f32_matmuls += 1;
                continue;
            }
            let name = format!("{}_int8", node.outputs[0]);
            let dq = encode_node(
                &name,
                "DynamicQuantizeMatMul",
                MS_DOMAIN,
                &[&node.inputs[0], &d.weight, &d.scale],
                &[&node.outputs[0]],
            );
            replace.insert(i, Some(dq));
            if used_once(&node.inputs[1]) && used_once(&nodes[d.mul].inputs[0]) {
                replace.insert(d.mul, None);
                replace.insert(d.cast, None);
            }
            // DynamicQuantizeMatMul takes a per-column scale as a 1-D tensor.
            let (at, scale) = &inits[&d.scale];
            if scale.dims.len() != 1 {
                reshaped.insert(*at, with_dims(graph[*at].value, &[d.n])?);
            }
            report.int8_matmuls += 1;
        }
    }

    let mut new_graph = Vec::with_capacity(top[graph_at].value.len() + 4096);
    let mut node_no = 0;
    for (i, f) in graph.iter().enumerate() {
        if f.number == GRAPH_NODE && f.wire == LEN {
            match replace.get(&node_no) {
                None => write_field(&mut new_graph, f.number, f.wire, f.value),
                Some(Some(bytes)) => write_field(&mut new_graph, GRAPH_NODE, LEN, bytes),
                Some(None) => {}
            }
            node_no += 1;
        } else if let Some(bytes) = reshaped.get(&i) {
            write_field(&mut new_graph, f.number, f.wire, bytes);
        } else {
            write_field(&mut new_graph, f.number, f.wire, f.value);
        }
    }
    let mut out = Vec::with_capacity(model.len() + 4096);
    let mut has_ms = false;
    for (i, f) in top.iter().enumerate() {
        if i == graph_at {
            write_field(&mut out, MODEL_GRAPH, LEN, &new_graph);
            continue;
        }
        if f.number == MODEL_OPSET_IMPORT && f.wire == LEN {
            has_ms |= strings(&fields(f.value)?, OPSET_DOMAIN)?
                .iter()
                .any(|d| d == MS_DOMAIN);
        }
        write_field(&mut out, f.number, f.wire, f.value);
    }
    if report.int8_matmuls > 0 && !has_ms {
        let mut opset = Vec::new();
        write_field(&mut opset, OPSET_DOMAIN, LEN, MS_DOMAIN.as_bytes());
        write_field(&mut opset, OPSET_VERSION, VARINT, &[1]);
        write_field(&mut out, MODEL_OPSET_IMPORT, LEN, &opset);
    }
    Ok((out, report))
}

/// `Mul(Cast(w), scale)` (either order) with `w` a 2-D int8 initializer and
/// `scale` its per-column scales (`[N]` or `[1, N]`).
fn dequant(
    b: &str,
    nodes: &[Node],
    inits: &HashMap<String, (usize, Init)>,
    made_by: &dyn Fn(&str, &str) -> Option<usize>,
) -> Option<Dequant> {
    let mul = made_by(b, "Mul")?;
    let m = &nodes[mul];
    let (cast, scale) = match (made_by(&m.inputs[0], "Cast"), made_by(&m.inputs[1], "Cast")) {
        (Some(c), None) => (c, m.inputs.get(1)?),
        (None, Some(c)) => (c, m.inputs.first()?),
        _ => return None,
    };
    let weight = nodes[cast].inputs.first()?;
    let (_, w) = inits.get(weight)?;
    let (_, s) = inits.get(scale)?;
    let [k, n] = w.dims[..] else { return None };
    let per_column = s.dims.iter().product::<u64>() == n && s.dims.last() == Some(&n);
    (w.data_type == INT8 && per_column).then(|| Dequant {
        weight: weight.clone(),
        scale: scale.clone(),
        cast,
        mul,
        k,
        n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(op: &str, inputs: &[&str], outputs: &[&str]) -> Vec<u8> {
        encode_node(outputs[0], op, "", inputs, outputs)
    }

    fn tensor(name: &str, data_type: u64, dims: &[u64]) -> Vec<u8> {
        let mut out = Vec::new();
        for d in dims {
            let mut v = Vec::new();
            write_varint(&mut v, *d);
            write_field(&mut out, TENSOR_DIMS, VARINT, &v);
        }
        write_field(&mut out, TENSOR_DATA_TYPE, VARINT, &[data_type as u8]);
        write_field(&mut out, TENSOR_NAME, LEN, name.as_bytes());
        write_field(&mut out, 9, LEN, &[0; 8]); // raw_data, copied untouched
        out
    }

    /// A graph with one square projection (384 → 384), one down projection
    /// (1536 → 384) and one NaN-guarded softmax.
    fn model() -> Vec<u8> {
        let mut g = Vec::new();
        for n in [
            node("Cast", &["w_up"], &["w_up_f"]),
            node("Mul", &["w_up_f", "s_up"], &["w_up_d"]),
            node("MatMul", &["x", "w_up_d"], &["h"]),
            node("Cast", &["w_down"], &["w_down_f"]),
            node("Mul", &["s_down", "w_down_f"], &["w_down_d"]),
            node("MatMul", &["h", "w_down_d"], &["y"]),
            node("Softmax", &["y"], &["p"]),
            node("IsNaN", &["p"], &["nan"]),
            node("Where", &["nan", "zero", "p"], &["out"]),
        ] {
            write_field(&mut g, GRAPH_NODE, LEN, &n);
        }
        for t in [
            tensor("w_up", INT8, &[384, 384]),
            tensor("s_up", 1, &[1, 384]),
            tensor("w_down", INT8, &[1536, 384]),
            tensor("s_down", 1, &[1, 384]),
        ] {
            write_field(&mut g, GRAPH_INITIALIZER, LEN, &t);
        }
        let mut m = Vec::new();
        write_field(&mut m, 1, VARINT, &[8]); // ir_version, copied untouched
        write_field(&mut m, MODEL_GRAPH, LEN, &g);
        m
    }

    fn write_fields(fields: &[Field<'_>]) -> Vec<u8> {
        let mut out = Vec::new();
        for f in fields {
            write_field(&mut out, f.number, f.wire, f.value);
        }
        out
    }

    #[test]
    fn codec_round_trips_every_byte() {
        let m = model();
        assert_eq!(write_fields(&fields(&m).unwrap()), m);
        let mut big = Vec::new();
        write_varint(&mut big, 300);
        assert_eq!(big, [0xac, 0x02]);
        assert_eq!(read_varint(&big, &mut 0).unwrap(), 300);
    }

    #[test]
    fn rewrites_square_projections_and_nan_guards_only() {
        let (out, report) = int8_compute(&model()).unwrap();
        assert_eq!(
            report,
            Rewrite {
                int8_matmuls: 1,
                f32_matmuls: 1,
                nan_guards: 1
            }
        );
        let top = fields(&out).unwrap();
        let graph = fields(top.iter().find(|f| f.number == MODEL_GRAPH).unwrap().value).unwrap();
        let nodes: Vec<Node> = graph
            .iter()
            .filter(|f| f.number == GRAPH_NODE)
            .map(|f| Node::parse(f.value).unwrap())
            .collect();
        let ops: Vec<&str> = nodes.iter().map(|n| n.op.as_str()).collect();
        assert_eq!(
            ops,
            [
                "DynamicQuantizeMatMul",
                "Cast",
                "Mul",
                "MatMul",
                "Softmax",
                "Identity"
            ]
        );
        assert_eq!(nodes[0].domain, MS_DOMAIN);
        assert_eq!(nodes[0].inputs, ["x", "w_up", "s_up"]);
        assert_eq!(nodes[0].outputs, ["h"]);
        assert_eq!(nodes[5].inputs, ["p"]);
        assert_eq!(nodes[5].outputs, ["out"]);
        let inits: HashMap<String, Init> = graph
            .iter()
            .filter(|f| f.number == GRAPH_INITIALIZER)
            .map(|f| parse_init(f.value).unwrap())
            .collect();
        assert_eq!(inits["s_up"].dims, [384], "a 1-D scale");
        assert_eq!(inits["s_down"].dims, [1, 384], "untouched");
        assert_eq!(inits["w_up"].dims, [384, 384]);
        let opsets: Vec<_> = top
            .iter()
            .filter(|f| f.number == MODEL_OPSET_IMPORT)
            .collect();
        assert_eq!(opsets.len(), 1);
        // Rewriting again changes nothing more.
        let (again, report) = int8_compute(&out).unwrap();
        assert_eq!(
            report,
            Rewrite {
                f32_matmuls: 1,
                ..Rewrite::default()
            }
        );
        assert_eq!(again, out);
    }

    #[test]
    fn truncated_input_is_an_error_not_a_panic() {
        let m = model();
        for cut in [1, 7, m.len() / 2, m.len() - 1] {
            assert!(int8_compute(&m[..cut]).is_err(), "cut at {cut}");
        }
        assert!(int8_compute(&[0xff; 12]).is_err());
    }
}
