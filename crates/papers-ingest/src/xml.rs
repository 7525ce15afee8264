//! A tiny element tree over quick-xml, enough for Atom and OAI-PMH.
//!
//! Names are local (namespace prefixes dropped), text is unescaped, and each
//! element remembers its byte span so a rejected entry can carry its raw XML.
//! A malformed document still yields every element closed before the error.

use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, Event};

/// Why an XML document could not be read (completely).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("XML error at byte {offset}: {message}")]
pub struct XmlError {
    pub offset: u64,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Node {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
    /// The element's own text (not its children's), unescaped.
    pub text: String,
    pub start: usize,
    pub end: usize,
    /// False for an element cut short by an XML error.
    pub closed: bool,
}

impl Node {
    /// The text of child `name` as a timestamp (any format arXiv sources
    /// use); an unparseable value is a field error naming the child.
    pub(crate) fn child_timestamp(
        &self,
        name: &str,
    ) -> Result<Option<jiff::Timestamp>, crate::FieldError> {
        match self.child_text(name) {
            None => Ok(None),
            Some(text) => crate::text::parse_timestamp(text)
                .map(Some)
                .ok_or_else(|| crate::FieldError::new(name, format!("not a timestamp: {text:?}"))),
        }
    }

    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The text of the first child called `name`, if it has any non-blank text.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name)
            .map(|c| c.text.as_str())
            .filter(|t| !t.trim().is_empty())
    }
}

const MAX_DEPTH: usize = 256;

/// Parses `text` into a tree under a nameless document node.
pub fn parse_tree(text: &str) -> (Node, Option<XmlError>) {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Node> = vec![Node {
        start: 0,
        ..Node::default()
    }];
    let mut error = None;
    loop {
        let before = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => {
                error = Some(XmlError {
                    offset: reader.error_position(),
                    message: e.to_string(),
                });
                break;
            }
        };
        let after = reader.buffer_position() as usize;
        match event {
            Event::Start(e) => {
                if stack.len() > MAX_DEPTH {
                    error = Some(XmlError {
                        offset: before as u64,
                        message: "elements nested too deeply".into(),
                    });
                    break;
                }
                match element(&e, before, after, false) {
                    Ok(node) => stack.push(node),
                    Err(message) => {
                        error = Some(XmlError {
                            offset: before as u64,
                            message,
                        });
                        break;
                    }
                }
            }
            Event::Empty(e) => match element(&e, before, after, true) {
                Ok(node) => {
                    if let Some(parent) = stack.last_mut() {
                        parent.children.push(node);
                    }
                }
                Err(message) => {
                    error = Some(XmlError {
                        offset: before as u64,
                        message,
                    });
                    break;
                }
            },
            Event::End(_) => {
                if stack.len() > 1 {
                    let Some(mut node) = stack.pop() else { break };
                    node.end = after;
                    node.closed = true;
                    if let Some(parent) = stack.last_mut() {
                        parent.children.push(node);
                    }
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(top) = stack.last_mut() {
                    push_reference(&r, &mut top.text);
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if error.is_none() && stack.len() > 1 {
        error = Some(XmlError {
            offset: text.len() as u64,
            message: format!(
                "document ends inside <{}>",
                stack.last().map_or("", |n| n.name.as_str())
            ),
        });
    }
    // Attach whatever was left open, marked as not closed.
    while stack.len() > 1 {
        if let Some(mut node) = stack.pop() {
            node.end = text.len();
            if let Some(parent) = stack.last_mut() {
                parent.children.push(node);
            }
        }
    }
    let mut root = stack.pop().unwrap_or_default();
    root.end = text.len();
    root.closed = error.is_none();
    (root, error)
}

fn element(e: &BytesStart<'_>, start: usize, end: usize, closed: bool) -> Result<Node, String> {
    let mut attrs = Vec::new();
    for attr in e.attributes() {
        let attr = attr.map_err(|err| err.to_string())?;
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|err| err.to_string())?;
        attrs.push((
            attr.key.local_name().into_inner().to_string(),
            value.into_owned(),
        ));
    }
    Ok(Node {
        name: e.local_name().into_inner().to_string(),
        attrs,
        children: Vec::new(),
        text: String::new(),
        start,
        end,
        closed,
    })
}

fn push_reference(r: &BytesRef<'_>, out: &mut String) {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        out.push(c);
        return;
    }
    let name: &str = r;
    match name {
        "amp" => out.push('&'),
        "lt" => out.push('<'),
        "gt" => out.push('>'),
        "quot" => out.push('"'),
        "apos" => out.push('\''),
        other => {
            // Unknown entity: keep it as written rather than lose it.
            out.push('&');
            out.push_str(other);
            out.push(';');
        }
    }
}

#[cfg(test)]
#[allow(clippy::string_slice, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn builds_a_tree_with_unescaped_text_and_spans() {
        let doc = r#"<?xml version="1.0"?><a xmlns:x="urn:x"><x:b k="1 &amp; 2">T &lt; U &#233;<![CDATA[<raw>]]></x:b><c/></a>"#;
        let (root, err) = parse_tree(doc);
        assert!(err.is_none());
        let a = root.child("a").unwrap();
        let b = a.child("b").unwrap();
        assert_eq!(b.attr("k"), Some("1 & 2"));
        assert_eq!(b.text, "T < U é<raw>");
        assert_eq!(
            &doc[b.start..b.end],
            r#"<x:b k="1 &amp; 2">T &lt; U &#233;<![CDATA[<raw>]]></x:b>"#
        );
        assert!(a.child("c").unwrap().closed);
    }

    #[test]
    fn keeps_what_was_closed_before_an_error() {
        let (root, err) = parse_tree("<a><b>1</b><b>2</c></a>");
        assert!(err.is_some());
        let a = root.child("a").unwrap();
        assert!(!a.closed);
        let closed: Vec<_> = a
            .children_named("b")
            .filter(|b| b.closed)
            .map(|b| b.text.as_str())
            .collect();
        assert_eq!(closed, ["1"]);
    }
}
