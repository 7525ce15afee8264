//! A parser for the Python literals that `repr()` writes (the subset
//! `ast.literal_eval` accepts that JSON can hold): dicts, lists, tuples,
//! sets, strings with single or double quotes and all escapes, bytes-free
//! numbers, `True`, `False` and `None`. Some Hugging Face day files were
//! saved as lists of such strings.

use serde_json::{Map, Number, Value};

/// Why a Python literal could not be parsed; `offset` is in bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid Python literal at byte {offset}: {message}")]
pub struct PyLiteralError {
    pub offset: usize,
    pub message: String,
}

/// Parses one Python literal into a JSON value. Tuples and sets become
/// lists; dict keys must be strings (ints, floats and booleans are written
/// as their JSON text, as `json.dumps` does).
pub fn parse_python_literal(input: &str) -> Result<Value, PyLiteralError> {
    let mut p = Parser {
        s: input.as_bytes(),
        src: input,
        pos: 0,
        depth: 0,
    };
    let v = p.value()?;
    p.skip_ws();
    if p.pos != p.s.len() {
        return Err(p.err("trailing characters after the literal"));
    }
    Ok(v)
}

const MAX_DEPTH: usize = 256;

struct Parser<'a> {
    s: &'a [u8],
    src: &'a str,
    pos: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn err(&self, message: impl Into<String>) -> PyLiteralError {
        PyLiteralError {
            offset: self.pos,
            message: message.into(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    /// `src[start..end]`; positions are only ever moved by whole characters
    /// (or ASCII bytes), so this never misses, but it cannot panic if they were not.
    fn text(&self, start: usize, end: usize) -> &'a str {
        self.src.get(start..end).unwrap_or_default()
    }

    /// The character at `pos`, if `pos` is inside the input on a character boundary.
    fn char_at(&self, pos: usize) -> Option<char> {
        self.src.get(pos..).and_then(|rest| rest.chars().next())
    }

    fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            if b == b'\\' && self.s.get(self.pos + 1) == Some(&b'\n') {
                self.pos += 2; // explicit line joining
            } else if b.is_ascii_whitespace() {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn value(&mut self) -> Result<Value, PyLiteralError> {
        self.skip_ws();
        let Some(b) = self.peek() else {
            return Err(self.err("unexpected end of input"));
        };
        match b {
            b'{' => self.nested(|p| p.dict_or_set()),
            b'[' => self.nested(|p| p.sequence(b']').map(Value::Array)),
            b'(' => self.nested(|p| p.sequence(b')').map(Value::Array)),
            b'\'' | b'"' => self.strings().map(Value::String),
            b'-' | b'+' | b'.' | b'0'..=b'9' => self.number(),
            _ if b.is_ascii_alphabetic() || b == b'_' => self.word(),
            _ => Err(self.err(format!("unexpected character {:?}", b as char))),
        }
    }

    fn nested(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<Value, PyLiteralError>,
    ) -> Result<Value, PyLiteralError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err("nested too deeply"));
        }
        let v = f(self);
        self.depth -= 1;
        v
    }

    /// `[a, b,]` or `(a, b)`; the opening bracket is at `pos`.
    fn sequence(&mut self, close: u8) -> Result<Vec<Value>, PyLiteralError> {
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            if self.peek() == Some(close) {
                self.pos += 1;
                return Ok(items);
            }
            items.push(self.value()?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(c) if c == close => {}
                _ => return Err(self.err(format!("expected ',' or '{}'", close as char))),
            }
        }
    }

    fn dict_or_set(&mut self) -> Result<Value, PyLiteralError> {
        self.pos += 1;
        let mut map = Map::new();
        let mut set: Option<Vec<Value>> = None;
        loop {
            self.skip_ws();
            if self.peek() == Some(b'}') {
                self.pos += 1;
                return Ok(match set {
                    Some(items) => Value::Array(items),
                    None => Value::Object(map),
                });
            }
            let key_pos = self.pos;
            let key = self.value()?;
            self.skip_ws();
            if set.is_none() && self.peek() == Some(b':') {
                self.pos += 1;
                let key = match key {
                    Value::String(s) => s,
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    Value::Null => "null".to_string(),
                    _ => {
                        return Err(PyLiteralError {
                            offset: key_pos,
                            message: "dict key is not a string or number".into(),
                        });
                    }
                };
                let value = self.value()?;
                map.insert(key, value);
            } else if map.is_empty() {
                set.get_or_insert_with(Vec::new).push(key);
            } else {
                return Err(self.err("expected ':' after a dict key"));
            }
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {}
                _ => return Err(self.err("expected ',' or '}'")),
            }
        }
    }

    fn word(&mut self) -> Result<Value, PyLiteralError> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            self.pos += 1;
        }
        let word = self.text(start, self.pos);
        match word {
            "True" => Ok(Value::Bool(true)),
            "False" => Ok(Value::Bool(false)),
            "None" => Ok(Value::Null),
            _ => {
                // String prefixes: r'', u'', R'', U'' and combinations with r.
                if matches!(self.peek(), Some(b'\'' | b'"')) {
                    let lower = word.to_ascii_lowercase();
                    if lower == "u" || lower == "r" {
                        return self.strings_from(start).map(Value::String);
                    }
                    if lower.contains('b') {
                        self.pos = start;
                        return Err(self.err("bytes literals are not supported"));
                    }
                }
                self.pos = start;
                Err(self.err(format!("unknown name {word:?}")))
            }
        }
    }

    fn number(&mut self) -> Result<Value, PyLiteralError> {
        let start = self.pos;
        let mut negative = false;
        while let Some(sign @ (b'-' | b'+')) = self.peek() {
            negative ^= sign == b'-';
            self.pos += 1;
            self.skip_ws();
        }
        let body_start = self.pos;
        while self.peek().is_some_and(|b| {
            b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'+' || b == b'-'
        }) {
            // '+'/'-' only directly after an exponent marker.
            if matches!(self.peek(), Some(b'+' | b'-'))
                && !matches!(
                    self.pos.checked_sub(1).and_then(|p| self.s.get(p)),
                    Some(b'e' | b'E')
                )
            {
                break;
            }
            self.pos += 1;
        }
        let body: String = self
            .text(body_start, self.pos)
            .chars()
            .filter(|&c| c != '_')
            .collect();
        if body.is_empty() {
            self.pos = start;
            return Err(self.err("expected a number"));
        }
        let lower = body.to_ascii_lowercase();
        let radix = [("0x", 16), ("0o", 8), ("0b", 2)]
            .into_iter()
            .find_map(|(prefix, radix)| Some((lower.strip_prefix(prefix)?, radix)));
        // The sign goes in before parsing, so that -2**63 is still an int.
        let sign = if negative { "-" } else { "" };
        let int = match radix {
            Some((digits, radix)) if digits.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                i64::from_str_radix(&format!("{sign}{digits}"), radix).ok()
            }
            Some(_) => None,
            // Too big for i64: falls through to a float, as JSON readers do.
            None if lower.bytes().all(|b| b.is_ascii_digit()) => {
                format!("{sign}{lower}").parse::<i64>().ok()
            }
            None => None,
        };
        if let Some(i) = int {
            return Ok(Value::Number(Number::from(i)));
        }
        if lower.ends_with('j') {
            self.pos = start;
            return Err(self.err("complex numbers are not supported"));
        }
        match lower.parse::<f64>() {
            Ok(f) if f.is_finite() && !lower.contains("inf") && !lower.contains("nan") => {
                let f = if negative { -f } else { f };
                Number::from_f64(f)
                    .map(Value::Number)
                    .ok_or_else(|| self.err("number out of range"))
            }
            _ => {
                self.pos = start;
                Err(self.err(format!("not a number: {body:?}")))
            }
        }
    }

    /// One or more adjacent string literals (Python concatenates them).
    fn strings(&mut self) -> Result<String, PyLiteralError> {
        self.strings_from(self.pos)
    }

    fn strings_from(&mut self, start: usize) -> Result<String, PyLiteralError> {
        self.pos = start;
        let mut out = String::new();
        loop {
            let prefix_start = self.pos;
            let mut raw = false;
            while let Some(b) = self.peek() {
                match b {
                    b'r' | b'R' => raw = true,
                    b'u' | b'U' => {}
                    _ => break,
                }
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'\'' | b'"')) {
                self.pos = prefix_start;
                break;
            }
            self.string(raw, &mut out)?;
            let after = self.pos;
            self.skip_ws();
            if !matches!(self.peek(), Some(b'\'' | b'"' | b'r' | b'R' | b'u' | b'U')) {
                self.pos = after;
                break;
            }
        }
        Ok(out)
    }

    fn string(&mut self, raw: bool, out: &mut String) -> Result<(), PyLiteralError> {
        let open = self.pos;
        let Some(quote) = self.peek() else {
            return Err(self.err("expected a string"));
        };
        let triple = self.s.get(open..open + 3) == Some(&[quote, quote, quote][..]);
        self.pos += if triple { 3 } else { 1 };
        let mut pending_high: Option<u32> = None;
        loop {
            let Some(b) = self.peek() else {
                self.pos = open;
                return Err(self.err("unterminated string"));
            };
            if b == quote {
                if !triple {
                    self.pos += 1;
                    break;
                }
                if self.s.get(self.pos..self.pos + 3) == Some(&[quote, quote, quote][..]) {
                    self.pos += 3;
                    break;
                }
            }
            if b == b'\n' && !triple {
                return Err(self.err("newline in a single-quoted string"));
            }
            if b == b'\\' {
                if raw {
                    // Raw strings keep the backslash; it only protects the next char.
                    flush_surrogate(&mut pending_high, out);
                    let next_len = self.char_at(self.pos + 1).map_or(0, char::len_utf8);
                    out.push_str(self.text(self.pos, self.pos + 1 + next_len));
                    self.pos += 1 + next_len;
                    continue;
                }
                self.escape(out, &mut pending_high)?;
                continue;
            }
            flush_surrogate(&mut pending_high, out);
            let Some(c) = self.char_at(self.pos) else {
                return Err(self.err("not at a character boundary"));
            };
            out.push(c);
            self.pos += c.len_utf8();
        }
        flush_surrogate(&mut pending_high, out);
        Ok(())
    }

    fn escape(
        &mut self,
        out: &mut String,
        pending_high: &mut Option<u32>,
    ) -> Result<(), PyLiteralError> {
        let esc_start = self.pos;
        self.pos += 1;
        let Some(c) = self.peek() else {
            return Err(self.err("backslash at end of input"));
        };
        self.pos += 1;
        let code = match c {
            b'\n' => return Ok(()),
            b'\\' => '\\' as u32,
            b'\'' => '\'' as u32,
            b'"' => '"' as u32,
            b'a' => 0x07,
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => '\n' as u32,
            b'r' => '\r' as u32,
            b't' => '\t' as u32,
            b'v' => 0x0b,
            b'x' => self.hex(2)?,
            b'u' => self.hex(4)?,
            b'U' => self.hex(8)?,
            b'0'..=b'7' => {
                let mut v = u32::from(c - b'0');
                for _ in 0..2 {
                    match self.peek() {
                        Some(d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            self.pos += 1;
                        }
                        _ => break,
                    }
                }
                v
            }
            b'N' => {
                self.pos = esc_start;
                return Err(self.err("\\N{...} escapes are not supported"));
            }
            _ => {
                // Unknown escapes keep the backslash, as Python does.
                flush_surrogate(pending_high, out);
                self.pos -= 1;
                let Some(c) = self.char_at(self.pos) else {
                    return Err(self.err("not at a character boundary"));
                };
                out.push('\\');
                out.push(c);
                self.pos += c.len_utf8();
                return Ok(());
            }
        };
        push_code(code, out, pending_high);
        Ok(())
    }

    fn hex(&mut self, digits: usize) -> Result<u32, PyLiteralError> {
        let text = self
            .src
            .get(self.pos..self.pos.saturating_add(digits))
            .filter(|t| t.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.err(format!("expected {digits} hex digits")))?;
        let v = u32::from_str_radix(text, 16).map_err(|e| self.err(e.to_string()))?;
        self.pos += digits;
        Ok(v)
    }
}

/// Appends a code point; surrogate pairs written as two escapes are joined,
/// lone surrogates (which JSON strings cannot hold) become U+FFFD.
fn push_code(code: u32, out: &mut String, pending_high: &mut Option<u32>) {
    if (0xD800..0xDC00).contains(&code) {
        flush_surrogate(pending_high, out);
        *pending_high = Some(code);
        return;
    }
    if (0xDC00..0xE000).contains(&code) {
        if let Some(high) = pending_high.take() {
            let c = 0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00);
            out.push(char::from_u32(c).unwrap_or('\u{FFFD}'));
        } else {
            out.push('\u{FFFD}');
        }
        return;
    }
    flush_surrogate(pending_high, out);
    out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
}

fn flush_surrogate(pending_high: &mut Option<u32>, out: &mut String) {
    if pending_high.take().is_some() {
        out.push('\u{FFFD}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(input: &str, expected: Value) {
        assert_eq!(
            parse_python_literal(input).unwrap(),
            expected,
            "parsing {input}"
        );
    }

    fn check_err(input: &str) {
        assert!(
            parse_python_literal(input).is_err(),
            "{input} should not parse"
        );
    }

    #[test]
    fn parses_what_repr_writes() {
        check(
            r#"{'a': 1, "b": [True, False, None], 'c': (1.5, -2), 'd': {}}"#,
            json!({"a": 1, "b": [true, false, null], "c": [1.5, -2], "d": {}}),
        );
        check(r"'it\'s'", json!("it's"));
        check(r#""it's \"q\"""#, json!("it's \"q\""));
        check(r"'\x41\u00e9\U0001F600\n\t\\'", json!("Aé😀\n\t\\"));
        check(r"'\ud83d\ude00'", json!("😀"));
        check(r"'\ud83d'", json!("\u{FFFD}"));
        check(r"'\101\0'", json!("A\u{0}"));
        check(r"'a\d'", json!("a\\d"));
        check("'héllo — ünïcode'", json!("héllo — ünïcode"));
        check("'a' 'b'", json!("ab"));
        check("[1, 2,]", json!([1, 2]));
        check("(1,)", json!([1]));
        check("{1, 2}", json!([1, 2]));
        check("{1: 'x'}", json!({"1": "x"}));
        check("1e3", json!(1000.0));
        check("-0.5", json!(-0.5));
        check("0x1F", json!(31));
        check("1_000", json!(1000));
        check("-9223372036854775808", json!(i64::MIN));
        check("-0x8000000000000000", json!(i64::MIN));
        check("- 5", json!(-5));
        check("r'\\d+'", json!("\\d+"));
        check("'''tri'ple'''", json!("tri'ple"));
        check("  [ ]  ", json!([]));
    }

    #[test]
    fn refuses_what_literal_eval_refuses() {
        check_err("");
        check_err("{'a': 1");
        check_err("'unterminated");
        check_err("[1 2]");
        check_err("foo");
        check_err("b'bytes'");
        check_err("{'a': 1} x");
        check_err("inf");
        check_err("{[1]: 2}");
        check_err("'bad \\x4'");
    }
}
