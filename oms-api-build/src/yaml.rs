//! A reader of the YAML a hand-written spec is written in, without
//! dependencies, for the extension check that runs in every build (the
//! packaged crate's build has no YAML parser).
//!
//! It reads block mappings and sequences (a sequence may stand at its key's
//! indentation, and an item may start a mapping on its own line), flow
//! collections over several lines, single- and double-quoted, plain and
//! block (`|`, `>`) scalars, and comments. It refuses, with the line, what
//! such a spec has no need for and what it would otherwise misread:
//! anchors, aliases, tags, complex keys, directives, several documents,
//! tabs in indentation, a key given twice. Scalars are kept as text (quotes
//! removed, lines folded roughly): the check reads keys, not values. With
//! the `generate` feature the generator compares what it reads with
//! serde_yaml's reading of the same text.

/// A node and the line (from 1) it starts on.
#[derive(Debug)]
pub(crate) struct Node {
    pub line: usize,
    pub value: Value,
}

#[derive(Debug)]
pub(crate) enum Value {
    Map(Vec<Entry>),
    Seq(Vec<Node>),
    /// Any scalar, `null` included, as text.
    Scalar(String),
}

/// A mapping's key, the line it is on, and its value.
#[derive(Debug)]
pub(crate) struct Entry {
    pub key: String,
    pub line: usize,
    pub value: Node,
}

/// What the reader cannot read, and where.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Fault {
    pub line: usize,
    pub problem: &'static str,
}

type Read<T> = Result<T, Fault>;

/// Reads `text`, a document whose top is a mapping.
pub(crate) fn read(text: &str) -> Read<Node> {
    let mut reader = Reader {
        lines: text.lines().map(str::to_owned).collect(),
        next: 0,
        depth: 0,
    };
    // A `---` may open the document, after comments.
    let start = reader
        .lines
        .iter()
        .position(|line| !(line.trim().is_empty() || line.trim_start().starts_with('#')));
    if let Some(start) = start.filter(|&i| reader.lines[i].trim_end() == "---") {
        reader.next = start + 1;
    }
    let top = reader.block(0)?.ok_or(Fault {
        line: 1,
        problem: "the document is empty",
    })?;
    if !matches!(top.value, Value::Map(_)) {
        return Err(Fault {
            line: top.line,
            problem: "the document is not a mapping",
        });
    }
    reader.skip_blank()?;
    if reader.next < reader.lines.len() {
        return Err(reader.fault(reader.next, "a line outside the document's mapping"));
    }
    Ok(top)
}

struct Reader {
    /// The lines; a sequence item's `-` is overwritten with a space once
    /// read, so that what follows it reads as a node at its own column.
    lines: Vec<String>,
    /// The first line not read yet.
    next: usize,
    /// How many collections the next node is in.
    depth: usize,
}

/// The deepest a node may be nested: a spec needs a dozen levels; many
/// thousands would exhaust the build script's stack.
const MAX_DEPTH: usize = 64;

/// A position in the text: line and byte column, both from 0.
#[derive(Clone, Copy)]
struct At {
    line: usize,
    col: usize,
}

impl Reader {
    fn fault(&self, line: usize, problem: &'static str) -> Fault {
        Fault {
            line: line + 1,
            problem,
        }
    }

    /// The indentation of line `i`, or `None` when it is blank or only a
    /// comment.
    fn indent(&self, i: usize) -> Read<Option<usize>> {
        let line = &self.lines[i];
        let content = line.trim_start_matches([' ', '\t']);
        if content.is_empty() || content.starts_with('#') {
            return Ok(None);
        }
        let indent = line.len() - content.len();
        if line[..indent].contains('\t') {
            return Err(self.fault(i, "a tab in the indentation"));
        }
        if indent == 0 {
            if content.starts_with("--- ") || content.trim_end() == "---" || content == "..." {
                return Err(self.fault(i, "a second document"));
            }
            if content.starts_with('%') {
                return Err(self.fault(i, "a directive"));
            }
        }
        Ok(Some(indent))
    }

    fn skip_blank(&mut self) -> Read<()> {
        while self.next < self.lines.len() && self.indent(self.next)?.is_none() {
            self.next += 1;
        }
        Ok(())
    }

    /// The node whose first line is the next non-blank one, when that line
    /// is indented by `min` or more.
    fn block(&mut self, min: usize) -> Read<Option<Node>> {
        self.skip_blank()?;
        let Some(indent) = (self.next < self.lines.len())
            .then(|| self.indent(self.next))
            .transpose()?
            .flatten()
            .filter(|indent| *indent >= min)
        else {
            return Ok(None);
        };
        let line = self.next;
        if self.depth >= MAX_DEPTH {
            return Err(self.fault(line, "nesting deeper than 64 levels"));
        }
        let content = &self.lines[line][indent..];
        let is_key = key(content)
            .map_err(|problem| self.fault(line, problem))?
            .is_some();
        self.depth += 1;
        let node = if is_item(content) {
            self.seq(indent)
        } else if is_key {
            self.map(indent)
        } else {
            self.inline(At { line, col: indent }, min)
        };
        self.depth -= 1;
        node.map(Some)
    }

    fn map(&mut self, indent: usize) -> Read<Node> {
        let first = self.next;
        let mut entries: Vec<Entry> = Vec::new();
        loop {
            self.skip_blank()?;
            if self.next >= self.lines.len() {
                break;
            }
            let line = self.next;
            match self.indent(line)? {
                Some(i) if i == indent => {}
                Some(i) if i > indent => return Err(self.fault(line, "unexpected indentation")),
                _ => break,
            }
            let content = &self.lines[line][indent..];
            let Some((name, used)) = key(content).map_err(|problem| self.fault(line, problem))?
            else {
                if is_item(content) {
                    return Err(self.fault(line, "a sequence item among a mapping's keys"));
                }
                return Err(self.fault(line, "a line that is not `key: value`"));
            };
            if entries.iter().any(|entry| entry.key == name) {
                return Err(self.fault(line, "a key given twice in one mapping"));
            }
            let value = self.value_after(
                At {
                    line,
                    col: indent + used,
                },
                indent,
            )?;
            entries.push(Entry {
                key: name,
                line: line + 1,
                value,
            });
        }
        Ok(Node {
            line: first + 1,
            value: Value::Map(entries),
        })
    }

    /// A mapping value that starts at `at`, after its key's `:`; its key is
    /// indented by `indent`.
    fn value_after(&mut self, at: At, indent: usize) -> Read<Node> {
        let rest = self.lines[at.line][at.col..].trim_start();
        if rest.is_empty() || rest.starts_with('#') {
            self.next = at.line + 1;
            if let Some(node) = self.block(indent + 1)? {
                return Ok(node);
            }
            // A sequence may stand at its key's indentation.
            if self.next < self.lines.len()
                && self.indent(self.next)? == Some(indent)
                && is_item(&self.lines[self.next][indent..])
            {
                return self.seq(indent);
            }
            return Ok(Node {
                line: at.line + 1,
                value: Value::Scalar(String::new()),
            });
        }
        let col = self.lines[at.line].len() - rest.len();
        self.inline(At { line: at.line, col }, indent + 1)
    }

    fn seq(&mut self, indent: usize) -> Read<Node> {
        let first = self.next;
        let mut items = Vec::new();
        loop {
            self.skip_blank()?;
            if self.next >= self.lines.len() || self.indent(self.next)? != Some(indent) {
                break;
            }
            let line = self.next;
            if !is_item(&self.lines[line][indent..]) {
                break;
            }
            self.lines[line].replace_range(indent..=indent, " ");
            let item = match self.block(indent + 1)? {
                Some(item) if item.line == line + 1 => item,
                // `-` alone on its line: the item is on the lines below.
                item => {
                    if self.lines[line].trim().is_empty() {
                        self.next = self.next.max(line + 1);
                    }
                    item.unwrap_or(Node {
                        line: line + 1,
                        value: Value::Scalar(String::new()),
                    })
                }
            };
            items.push(item);
        }
        Ok(Node {
            line: first + 1,
            value: Value::Seq(items),
        })
    }

    /// A node written on the line at `at` (a scalar, or a flow collection):
    /// lines indented by `min` or more continue it.
    fn inline(&mut self, at: At, min: usize) -> Read<Node> {
        let text = &self.lines[at.line][at.col..];
        let first = text.as_bytes()[0];
        match first {
            b'&' | b'*' | b'!' => Err(self.fault(at.line, "an anchor, alias or tag")),
            b'?' if text.len() == 1 || text.as_bytes()[1] == b' ' => {
                Err(self.fault(at.line, "a complex key"))
            }
            b'|' | b'>' => self.block_scalar(at, min),
            b'[' | b'{' | b'\'' | b'"' => {
                let (node, end) = self.flow(at)?;
                let rest = self.lines[end.line][end.col..].trim_start();
                if !(rest.is_empty() || rest.starts_with('#')) {
                    return Err(self.fault(end.line, "text after a closed value"));
                }
                self.next = end.line + 1;
                Ok(node)
            }
            _ => {
                let mut value = plain_line(text).to_owned();
                if is_mapping_value(&value) {
                    return Err(self.fault(at.line, "a `: ` inside a plain value (quote it)"));
                }
                self.next = at.line + 1;
                while self.next < self.lines.len() {
                    match self.indent(self.next)? {
                        Some(indent) if indent >= min => {
                            let more = plain_line(&self.lines[self.next][indent..]);
                            if is_mapping_value(more) {
                                return Err(self.fault(self.next, "unexpected indentation"));
                            }
                            value.push(' ');
                            value.push_str(more);
                            self.next += 1;
                        }
                        Some(_) => break,
                        // A blank line may sit inside; a comment ends it.
                        None if self.lines[self.next].trim().is_empty() => {
                            let ahead = (self.next..self.lines.len())
                                .find(|&i| !self.lines[i].trim().is_empty());
                            match ahead {
                                Some(i) if self.indent(i)?.is_some_and(|n| n >= min) => {
                                    value.push('\n');
                                    self.next = i;
                                }
                                _ => break,
                            }
                        }
                        None => break,
                    }
                }
                Ok(Node {
                    line: at.line + 1,
                    value: Value::Scalar(value),
                })
            }
        }
    }

    /// A `|` or `>` scalar: the lines below indented by `min` or more, and
    /// blank lines among them.
    fn block_scalar(&mut self, at: At, min: usize) -> Read<Node> {
        let header = self.lines[at.line][at.col + 1..].trim_start_matches(['+', '-']);
        let header = header.trim_start_matches(|c: char| c.is_ascii_digit());
        let header = header.trim_start_matches(['+', '-']).trim_start();
        if !(header.is_empty() || header.starts_with('#')) {
            return Err(self.fault(at.line, "text after a block scalar's `|` or `>`"));
        }
        let mut lines = Vec::new();
        let mut i = at.line + 1;
        while i < self.lines.len() {
            let line = &self.lines[i];
            let content = line.trim_start_matches(' ');
            if !content.is_empty() && line.len() - content.len() < min {
                break;
            }
            lines.push(line.as_str());
            i += 1;
        }
        while lines.last().is_some_and(|line| line.trim().is_empty()) {
            lines.pop();
        }
        self.next = at.line + 1 + lines.len();
        let indent = lines
            .iter()
            .filter(|line| !line.trim().is_empty())
            .map(|line| line.len() - line.trim_start_matches(' ').len())
            .min()
            .unwrap_or(0);
        let text: Vec<&str> = lines
            .iter()
            .map(|line| line.get(indent..).unwrap_or(""))
            .collect();
        Ok(Node {
            line: at.line + 1,
            value: Value::Scalar(text.join("\n")),
        })
    }

    /// A flow collection or a quoted scalar starting at `at`, and where it
    /// ends.
    fn flow(&self, at: At) -> Read<(Node, At)> {
        let mut cursor = Cursor {
            lines: &self.lines,
            at,
            depth: self.depth,
        };
        let node = cursor.node()?;
        Ok((node, cursor.at))
    }
}

/// Whether `content` (from its indentation on) is a sequence item.
fn is_item(content: &str) -> bool {
    content == "-" || content.starts_with("- ") || content.starts_with("-\t")
}

/// The key `content` starts with, if it is `key:` (then a space or the
/// end), and how many bytes the key and its `:` take.
fn key(content: &str) -> Result<Option<(String, usize)>, &'static str> {
    let bytes = content.as_bytes();
    let (name, end) = match bytes[0] {
        b'\'' | b'"' => {
            let line = [content.to_owned()];
            let mut cursor = Cursor {
                lines: &line,
                at: At { line: 0, col: 0 },
                depth: 0,
            };
            let Ok(name) = cursor.quoted() else {
                return Ok(None);
            };
            let rest = &content[cursor.at.col..];
            let spaces = rest.len() - rest.trim_start_matches(' ').len();
            (name, cursor.at.col + spaces)
        }
        b'[' | b'{' | b'#' | b'|' | b'>' | b'&' | b'*' | b'!' | b'%' | b'@' | b'`' => {
            return Ok(None);
        }
        b'?' if bytes.len() == 1 || bytes[1] == b' ' => return Err("a complex key"),
        _ => {
            let end = (0..bytes.len()).find(|&i| {
                bytes[i] == b':' && (i + 1 == bytes.len() || bytes[i + 1] == b' ')
                    || bytes[i] == b'#' && i > 0 && bytes[i - 1] == b' '
            });
            match end {
                Some(end) if bytes[end] == b':' => (content[..end].trim_end().to_owned(), end),
                _ => return Ok(None),
            }
        }
    };
    let rest = &bytes[end..];
    if rest.first() == Some(&b':') && (rest.len() == 1 || rest[1] == b' ') {
        Ok(Some((name, end + 1)))
    } else {
        Ok(None)
    }
}

/// Whether a plain scalar's line holds a mapping's `: `, which YAML reads
/// as an error.
fn is_mapping_value(text: &str) -> bool {
    text.contains(": ") || text.ends_with(':')
}

/// A plain scalar's text on one line: up to a comment.
fn plain_line(text: &str) -> &str {
    let end = text.find(" #").unwrap_or(text.len());
    text[..end].trim_end()
}

/// Reads flow collections and quoted scalars, over line ends.
struct Cursor<'a> {
    lines: &'a [String],
    at: At,
    /// How many collections the next node is in.
    depth: usize,
}

impl Cursor<'_> {
    fn fault(&self, problem: &'static str) -> Fault {
        Fault {
            line: self.at.line + 1,
            problem,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.lines
            .get(self.at.line)
            .and_then(|line| line.as_bytes().get(self.at.col).copied())
    }

    /// Skips spaces, line ends and comments.
    fn skip(&mut self) -> Read<()> {
        loop {
            let Some(line) = self.lines.get(self.at.line) else {
                return Err(self.fault("an unclosed flow collection or quote"));
            };
            let bytes = line.as_bytes();
            while self.at.col < bytes.len() && matches!(bytes[self.at.col], b' ' | b'\t') {
                self.at.col += 1;
            }
            if self.at.col < bytes.len() && bytes[self.at.col] != b'#' {
                return Ok(());
            }
            self.at = At {
                line: self.at.line + 1,
                col: 0,
            };
        }
    }

    fn node(&mut self) -> Read<Node> {
        self.skip()?;
        if self.depth >= MAX_DEPTH {
            return Err(self.fault("nesting deeper than 64 levels"));
        }
        self.depth += 1;
        let node = self.collection_or_scalar();
        self.depth -= 1;
        node
    }

    fn collection_or_scalar(&mut self) -> Read<Node> {
        let line = self.at.line + 1;
        let value = match self.peek() {
            Some(b'[') => {
                self.at.col += 1;
                let mut items = Vec::new();
                loop {
                    self.skip()?;
                    if self.peek() == Some(b']') {
                        break;
                    }
                    items.push(self.node()?);
                    if !self.separator(b']')? {
                        break;
                    }
                }
                self.at.col += 1;
                Value::Seq(items)
            }
            Some(b'{') => {
                self.at.col += 1;
                let mut entries: Vec<Entry> = Vec::new();
                loop {
                    self.skip()?;
                    if self.peek() == Some(b'}') {
                        break;
                    }
                    let key_line = self.at.line + 1;
                    let Value::Scalar(key) = self.node()?.value else {
                        return Err(self.fault("a collection as a key"));
                    };
                    self.skip()?;
                    let value = if self.peek() == Some(b':') {
                        self.at.col += 1;
                        self.skip()?;
                        if matches!(self.peek(), Some(b',' | b'}')) {
                            Node {
                                line: self.at.line + 1,
                                value: Value::Scalar(String::new()),
                            }
                        } else {
                            self.node()?
                        }
                    } else {
                        Node {
                            line: key_line,
                            value: Value::Scalar(String::new()),
                        }
                    };
                    if entries.iter().any(|entry| entry.key == key) {
                        return Err(self.fault("a key given twice in one mapping"));
                    }
                    entries.push(Entry {
                        key,
                        line: key_line,
                        value,
                    });
                    if !self.separator(b'}')? {
                        break;
                    }
                }
                self.at.col += 1;
                Value::Map(entries)
            }
            Some(b'\'' | b'"') => Value::Scalar(self.quoted()?),
            Some(b'&' | b'*' | b'!') => return Err(self.fault("an anchor, alias or tag")),
            Some(b'?') => return Err(self.fault("a complex key")),
            _ => Value::Scalar(self.plain()),
        };
        Ok(Node { line, value })
    }

    /// After an item: `,` (true, more may follow) or `close` (false, not
    /// consumed).
    fn separator(&mut self, close: u8) -> Read<bool> {
        self.skip()?;
        match self.peek() {
            Some(b',') => {
                self.at.col += 1;
                Ok(true)
            }
            Some(c) if c == close => Ok(false),
            _ => Err(self.fault("a flow collection item not followed by `,` or its end")),
        }
    }

    /// A plain scalar in a flow collection, which may go on over lines.
    fn plain(&mut self) -> String {
        let mut value = String::new();
        loop {
            let line = self.lines[self.at.line].as_bytes();
            let start = self.at.col;
            let mut end = start;
            while end < line.len() {
                let c = line[end];
                let next = line.get(end + 1).copied();
                if matches!(c, b',' | b'[' | b']' | b'{' | b'}')
                    || c == b':' && matches!(next, None | Some(b' ' | b',' | b']' | b'}'))
                    || c == b'#' && end > 0 && line[end - 1] == b' '
                {
                    break;
                }
                end += 1;
            }
            let part = std::str::from_utf8(&line[start..end])
                .unwrap_or_default()
                .trim();
            if !part.is_empty() {
                if !value.is_empty() {
                    value.push(' ');
                }
                value.push_str(part);
            }
            self.at.col = end;
            // It goes on to the next line unless something ends it here.
            let more = end == line.len()
                && self.lines.get(self.at.line + 1).is_some_and(|next| {
                    let next = next.trim_start();
                    !next.is_empty() && !next.starts_with([',', ']', '}', ':', '#'])
                });
            if !more {
                return value;
            }
            self.at = At {
                line: self.at.line + 1,
                col: 0,
            };
        }
    }

    /// A quoted scalar, its line ends folded into spaces.
    fn quoted(&mut self) -> Read<String> {
        let quote = self.peek().unwrap_or(b'"');
        self.at.col += 1;
        let mut value = String::new();
        loop {
            let Some(line) = self.lines.get(self.at.line) else {
                return Err(self.fault("an unclosed quote"));
            };
            let bytes = line.as_bytes();
            let mut i = self.at.col;
            let mut start = i;
            while i < bytes.len() {
                match bytes[i] {
                    b'\'' if quote == b'\'' => {
                        value.push_str(&line[start..i]);
                        if bytes.get(i + 1) == Some(&b'\'') {
                            value.push('\'');
                            i += 2;
                            start = i;
                            continue;
                        }
                        self.at.col = i + 1;
                        return Ok(value);
                    }
                    b'"' if quote == b'"' => {
                        value.push_str(&line[start..i]);
                        self.at.col = i + 1;
                        return Ok(value);
                    }
                    b'\\' if quote == b'"' => {
                        value.push_str(&line[start..i]);
                        let escaped = bytes.get(i + 1).copied();
                        value.push(match escaped {
                            Some(b'n') => '\n',
                            Some(b't') => '\t',
                            Some(b'0') => '\0',
                            Some(c) if c.is_ascii() => c as char,
                            _ => return Err(self.fault("an escape this reader does not read")),
                        });
                        i += 2;
                        start = i;
                        continue;
                    }
                    _ => i += 1,
                }
            }
            value.push_str(line[start..].trim_end());
            value.push(' ');
            self.at = At {
                line: self.at.line + 1,
                col: 0,
            };
            if let Some(next) = self.lines.get(self.at.line) {
                self.at.col = next.len() - next.trim_start().len();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The node as compact text: `{k: v}`, `[a]`, `'s'`.
    fn show(node: &Node) -> String {
        match &node.value {
            Value::Map(entries) => {
                let inner: Vec<String> = entries
                    .iter()
                    .map(|e| format!("{}@{}: {}", e.key, e.line, show(&e.value)))
                    .collect();
                format!("{{{}}}", inner.join(", "))
            }
            Value::Seq(items) => {
                let inner: Vec<String> = items.iter().map(show).collect();
                format!("[{}]", inner.join(", "))
            }
            Value::Scalar(text) => format!("{text:?}"),
        }
    }

    fn shown(text: &str) -> String {
        show(&read(text).unwrap())
    }

    #[test]
    fn block_collections_and_scalars() {
        let text = "# head\n---\na: 1\nb:\n  c: 'x: y' # note\n  d: \"q\\\"\"\n\ne:\n- f\n-   g: h\n    i: j\n- - k\n-\n  l: m\nn: |\n  line one\n\n    kept: indented\no: plain\n  goes on\np:\n";
        assert_eq!(
            shown(text),
            r#"{a@3: "1", b@4: {c@5: "x: y", d@6: "q\""}, e@8: ["f", {g@10: "h", i@11: "j"}, ["k"], {l@14: "m"}], n@15: "line one\n\n  kept: indented", o@19: "plain goes on", p@21: ""}"#
        );
    }

    #[test]
    fn flow_collections_over_lines() {
        let text = "a: {style: offset, limit: limit,\n  items: [x, 'y, z'], url: https://h:1/p}\nb: [\n  {code: 1, words: two\n    words}, # c\n  ]\n'200': {}\n";
        assert_eq!(
            shown(text),
            r#"{a@1: {style@1: "offset", limit@1: "limit", items@2: ["x", "y, z"], url@2: "https://h:1/p"}, b@3: [{code@4: "1", words@4: "two words"}], 200@7: {}}"#
        );
    }

    #[test]
    fn refuses_what_a_spec_needs_not_with_its_line() {
        let deep = format!("a: {}\n", "[".repeat(100_000));
        let indented: String = (0..10_000)
            .map(|i| format!("{}k:\n", " ".repeat(i)))
            .collect();
        for (text, line, problem) in [
            ("a: &x 1\nb: *x\n", 1, "an anchor, alias or tag"),
            ("a: 1\nb: !!str 2\n", 2, "an anchor, alias or tag"),
            ("a:\n\tb: 1\n", 2, "a tab in the indentation"),
            ("a: 1\na: 2\n", 2, "a key given twice in one mapping"),
            ("a: {b: 1, b: 2}\n", 1, "a key given twice in one mapping"),
            ("a: 1\n---\nb: 2\n", 2, "a second document"),
            (
                "a: [1, 2\nb: 3\n",
                2,
                "a flow collection item not followed by `,` or its end",
            ),
            ("a: 'open\n", 2, "an unclosed quote"),
            ("a:\n  b: 1\n    c: 2\n", 3, "unexpected indentation"),
            ("? a\n: 1\n", 1, "a complex key"),
            ("a: 'x' y\n", 1, "text after a closed value"),
            ("- a\n", 1, "the document is not a mapping"),
            ("a: b: c\n", 1, "a `: ` inside a plain value (quote it)"),
            (deep.as_str(), 1, "nesting deeper than 64 levels"),
            (indented.as_str(), 65, "nesting deeper than 64 levels"),
        ] {
            assert_eq!(read(text).unwrap_err(), Fault { line, problem }, "{text}");
        }
    }
}
