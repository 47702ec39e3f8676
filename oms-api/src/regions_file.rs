//! The regions file (`~/.huaweicloud/regions.yaml`), read within fixed
//! bounds of time and memory whatever it holds.
//!
//! The official SDKs read it with a full YAML parser. A full parser is the
//! wrong tool for a file anyone on the machine may have written: aliases
//! to a large anchor expand a 500 KiB file into gigabytes (a YAML parser's
//! repetition limits stop the classic "billion laughs", not a few aliases
//! to one big node), and libyaml takes quadratic time over deeply nested
//! flow collections. The client needs one list of `{id, endpoint}` pairs,
//! so it reads the subset of YAML such files are written in, in one pass
//! over the lines, keeping nothing but the `OMS` section:
//!
//! * block mappings and sequences (`key: value`, `- item`, the compact
//!   `- id: …` form), and flow sequences and mappings (`[a, b]`,
//!   `{id: a, endpoint: b}`), nested at most [`MAX_DEPTH`] levels;
//! * plain, `'single'` and `"double"` quoted scalars, each on one line;
//! * comments, blank lines, a leading `---` and a closing `...`.
//!
//! Anchors, aliases, tags, block scalars (`|`, `>`), directives, complex
//! keys, several documents, tabs in indentation, a key twice in one
//! mapping and control characters are refused with the line and column,
//! never the text. The file is at most 1 MiB (read by `files.rs`); every
//! line is looked at a bounded number of times, and what is kept is
//! borrowed from the text.

use std::borrow::Cow;

/// The deepest nesting read: block and flow levels together. The `OMS`
/// section needs three (the file's mapping, the list, an entry's list).
pub(crate) const MAX_DEPTH: usize = 16;

/// A syntax error: where, and what, without the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Syntax {
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) what: &'static str,
}

/// What the file says of one region, or why it cannot be read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Found<'a> {
    /// No `OMS` section, or the region is not in it.
    Nothing,
    /// The region's first endpoint.
    Endpoint(Cow<'a, str>),
    /// The region is listed without an endpoint.
    NoEndpoint,
}

/// Why the file cannot serve.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// It is not in the subset read (see the module's documentation), or
    /// its top level is not a mapping of services.
    Syntax(Syntax),
    /// `OMS` is not a list of `{id, endpoint}` or `{id, endpoints}`.
    NotAList,
}

/// What the regions file `text` says of `region`'s OMS endpoint.
pub(crate) fn oms_endpoint<'a>(text: &'a str, region: &str) -> Result<Found<'a>, Refused> {
    let Some(oms) = Parser::new(text).document().map_err(Refused::Syntax)? else {
        return Ok(Found::Nothing);
    };
    let Node::Seq(entries) = oms else {
        return Err(Refused::NotAList);
    };
    let mut found = Found::Nothing;
    for entry in entries {
        let Node::Map(fields) = entry else {
            return Err(Refused::NotAList);
        };
        let field = |name: &str| {
            fields
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value)
        };
        let text = |node: Option<&Node<'a>>| match node {
            None | Some(Node::Null) => Ok(None),
            Some(Node::Scalar(text)) => Ok(Some(text.clone())),
            Some(_) => Err(Refused::NotAList),
        };
        let Some(id) = text(field("id"))? else {
            return Err(Refused::NotAList);
        };
        let endpoint = text(field("endpoint"))?;
        let endpoints = match field("endpoints") {
            None | Some(Node::Null) => None,
            Some(Node::Seq(all)) => match all.first() {
                None => None,
                first => text(first)?,
            },
            Some(_) => return Err(Refused::NotAList),
        };
        if id == region && found == Found::Nothing {
            found = match endpoint.or(endpoints) {
                Some(url) => Found::Endpoint(url),
                None => Found::NoEndpoint,
            };
        }
    }
    Ok(found)
}

/// A node of the `OMS` section; whatever else the file holds is checked and
/// dropped as it is read.
#[derive(Debug, PartialEq, Eq)]
enum Node<'a> {
    Null,
    Scalar(Cow<'a, str>),
    Seq(Vec<Node<'a>>),
    Map(Vec<(Cow<'a, str>, Node<'a>)>),
    /// Read and not kept.
    Dropped,
}

type Parsed<T> = Result<T, Syntax>;

struct Parser<'a> {
    lines: Vec<&'a str>,
    /// The line being read, and how much of it is read (bytes).
    line: usize,
    col: usize,
}

/// Characters that start what the subset refuses, and why.
fn refused_start(c: char) -> Option<&'static str> {
    Some(match c {
        '&' => "YAML anchors are not read in the regions file",
        '*' => "YAML aliases are not read in the regions file",
        '!' => "YAML tags are not read in the regions file",
        '|' | '>' => "block scalars (| and >) are not read in the regions file",
        '%' | '@' | '`' => "a value cannot start with %, @ or `",
        '?' => "complex keys (?) are not read in the regions file",
        _ => return None,
    })
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Self {
            lines: text
                .split('\n')
                .map(|line| line.strip_suffix('\r').unwrap_or(line))
                .collect(),
            line: 0,
            col: 0,
        }
    }

    fn error(&self, col: usize, what: &'static str) -> Syntax {
        let line = self.lines.get(self.line).copied().unwrap_or("");
        Syntax {
            line: self.line + 1,
            column: line.get(..col).map_or(col, |head| head.chars().count()) + 1,
            what,
        }
    }

    /// The rest of the current line.
    fn rest(&self) -> &'a str {
        self.lines
            .get(self.line)
            .map_or("", |line| line.get(self.col..).unwrap_or(""))
    }

    /// Moves to the next line that has content (from the read part of the
    /// current one on); gives its indentation (the column of its first
    /// character) and that character on, or `None` at the end.
    fn content(&mut self) -> Parsed<Option<(usize, &'a str)>> {
        while self.line < self.lines.len() {
            let line = self.lines[self.line];
            // Each line is checked once, when it is first come to.
            if self.col == 0
                && let Some(bad) = line.find(|c: char| c.is_control() && c != '\t')
            {
                return Err(self.error(bad, "control characters are not allowed"));
            }
            let rest = &line[self.col..];
            let body = rest.trim_start_matches([' ', '\t']);
            let at = line.len() - body.len();
            if body.is_empty() || body.starts_with('#') {
                self.line += 1;
                self.col = 0;
                continue;
            }
            if self.col == 0 && line[..at].contains('\t') {
                return Err(self.error(at, "tabs are not allowed in indentation"));
            }
            self.col = at;
            return Ok(Some((at, body)));
        }
        Ok(None)
    }

    /// Nothing but blanks and a comment is left on the current line; moves
    /// to the next.
    fn end_of_line(&mut self) -> Parsed<()> {
        let rest = self.rest();
        let body = rest.trim_start_matches([' ', '\t']);
        let comment = body.starts_with('#') && body.len() < rest.len();
        if !(body.is_empty() || comment) {
            let col = self.col + rest.len() - body.len();
            return Err(self.error(col, "unexpected text after a value"));
        }
        self.line += 1;
        self.col = 0;
        Ok(())
    }

    /// The document: a mapping of services, of which only `OMS` is kept.
    /// `None` when there is no `OMS` (or nothing at all).
    fn document(mut self) -> Parsed<Option<Node<'a>>> {
        if let Some((0, body)) = self.content()?
            && (body == "---" || body.starts_with("--- ") || body.starts_with("---#"))
        {
            self.col += 3;
            self.end_of_line()?;
        }
        let oms = match self.content()? {
            None => None,
            Some((indent, body)) => {
                if is_item(body) || self.key(body)?.is_none() {
                    return Err(Syntax {
                        what: "the top level is not a mapping of services",
                        ..self.error(indent, "")
                    });
                }
                match self.block_map(indent, 1, Keep::Only("OMS"))? {
                    Node::Map(mut kept) => kept.pop().map(|(_, oms)| oms),
                    _ => None,
                }
            }
        };
        if let Some((indent, body)) = self.content()? {
            let what = if indent == 0 && body.starts_with("...") {
                self.col += 3;
                self.end_of_line()?;
                match self.content()? {
                    None => return Ok(oms),
                    Some(_) => "only one YAML document is read",
                }
            } else if indent == 0 && body.starts_with("---") {
                "only one YAML document is read"
            } else {
                "a line is indented unlike the lines before it"
            };
            return Err(self.error(self.col, what));
        }
        Ok(oms)
    }

    /// A block node whose lines are indented at least `min`.
    fn block(&mut self, min: usize, depth: usize, keep: Keep) -> Parsed<Node<'a>> {
        let Some((indent, body)) = self.content()? else {
            return Ok(Node::Null);
        };
        if indent < min {
            return Ok(Node::Null);
        }
        self.deeper(depth, indent)?;
        if is_item(body) {
            self.block_seq(indent, depth + 1, keep)
        } else if self.key(body)?.is_some() {
            self.block_map(indent, depth + 1, keep)
        } else {
            let node = self.inline(depth, keep)?;
            self.end_of_line()?;
            Ok(node)
        }
    }

    fn deeper(&self, depth: usize, col: usize) -> Parsed<()> {
        if depth >= MAX_DEPTH {
            return Err(self.error(col, "nests deeper than 16 levels"));
        }
        Ok(())
    }

    /// `- item` lines at `indent`.
    fn block_seq(&mut self, indent: usize, depth: usize, keep: Keep) -> Parsed<Node<'a>> {
        let mut items = Vec::new();
        while let Some((at, body)) = self.content()? {
            if at < indent || !is_item(body) {
                break;
            }
            if at > indent {
                return Err(self.error(at, "a line is indented unlike the lines before it"));
            }
            self.col = at + 1;
            // The item: on this line after `- ` (which may start a compact
            // mapping or sequence), or on the lines below, more indented.
            let item = self.block(indent + 1, depth, keep)?;
            if keep.all() {
                items.push(item);
            }
        }
        Ok(if keep.all() {
            Node::Seq(items)
        } else {
            Node::Dropped
        })
    }

    /// `key: value` lines at `indent`.
    fn block_map(&mut self, indent: usize, depth: usize, keep: Keep) -> Parsed<Node<'a>> {
        let mut fields: Vec<(Cow<'a, str>, Node<'a>)> = Vec::new();
        let mut seen: Vec<Cow<'a, str>> = Vec::new();
        while let Some((at, body)) = self.content()? {
            let document_marker = at == 0 && (body.starts_with("---") || body.starts_with("..."));
            if at < indent || (at == indent && is_item(body)) || document_marker {
                break;
            }
            if at > indent {
                return Err(self.error(at, "a line is indented unlike the lines before it"));
            }
            let Some((key, after)) = self.key(body)? else {
                return Err(self.error(at, "expected `key: value`"));
            };
            if seen.contains(&key) {
                return Err(self.error(at, "a key appears twice in one mapping"));
            }
            self.col = at + after;
            let keep_value = keep.value(&key);
            let rest = self.rest().trim_start_matches([' ', '\t']);
            let value = if rest.is_empty() || rest.starts_with('#') {
                self.line += 1;
                self.col = 0;
                // On the lines below: more indented, or a sequence at the
                // key's own indentation.
                match self.content()? {
                    Some((below, _)) if below > indent => {
                        self.block(indent + 1, depth, keep_value)?
                    }
                    Some((below, body)) if below == indent && is_item(body) => {
                        self.deeper(depth, below)?;
                        self.block_seq(indent, depth + 1, keep_value)?
                    }
                    _ => Node::Null,
                }
            } else {
                let value = self.inline(depth, keep_value)?;
                self.end_of_line()?;
                value
            };
            if keep_value.all() {
                fields.push((key.clone(), value));
            }
            seen.push(key);
        }
        Ok(if keep.keeps_map() {
            Node::Map(fields)
        } else {
            Node::Dropped
        })
    }

    /// The key of a `key: value` (or `key:`) at the start of `body`, and
    /// the length of `key:` from there; `None` when `body` is no such line.
    fn key(&self, body: &'a str) -> Parsed<Option<(Cow<'a, str>, usize)>> {
        let start = self.col;
        let (key, end) = match body.chars().next() {
            Some(quote @ ('"' | '\'')) => {
                let (key, len) = self.quoted(body, quote, start)?;
                (key, len)
            }
            Some(c) if refused_start(c).is_some() || matches!(c, '[' | '{' | '#') => {
                return Ok(None);
            }
            _ => match find_key_end(body) {
                Some(end) => (Cow::Borrowed(body[..end].trim_end()), end),
                None => return Ok(None),
            },
        };
        let after = &body[end..];
        let after = after.trim_start_matches([' ', '\t']);
        match after.strip_prefix(':') {
            Some(rest) if rest.is_empty() || rest.starts_with([' ', '\t']) => {
                Ok(Some((key, body.len() - rest.len())))
            }
            _ => Ok(None),
        }
    }

    /// A value on the current line from the read position: a flow
    /// collection (which may go on over lines), a quoted or a plain scalar.
    fn inline(&mut self, depth: usize, keep: Keep) -> Parsed<Node<'a>> {
        let rest = self.rest();
        let body = rest.trim_start_matches([' ', '\t']);
        self.col += rest.len() - body.len();
        let Some(first) = body.chars().next() else {
            return Ok(Node::Null);
        };
        if let Some(what) = refused_start(first) {
            return Err(self.error(self.col, what));
        }
        if is_item(body) {
            return Err(self.error(self.col, "a list item is not allowed here"));
        }
        match first {
            '[' | '{' => self.flow(depth, keep),
            '"' | '\'' => {
                let (text, len) = self.quoted(body, first, self.col)?;
                self.col += len;
                Ok(keep.scalar(text))
            }
            _ => {
                let text = plain_in_block(body);
                if find_key_end(text).is_some_and(|end| {
                    text[end..]
                        .trim_start()
                        .strip_prefix(':')
                        .is_some_and(|r| r.is_empty() || r.starts_with(' '))
                }) {
                    return Err(self.error(self.col, "`key: value` is not allowed here"));
                }
                let text = text.trim_end_matches([' ', '\t']);
                self.col += text.len();
                Ok(keep.scalar(Cow::Borrowed(text)))
            }
        }
    }

    /// A quoted scalar starting `body` (at byte `col` of the line): its
    /// text and its length in the line. It must end on the same line.
    fn quoted(&self, body: &'a str, quote: char, col: usize) -> Parsed<(Cow<'a, str>, usize)> {
        let inner = &body[1..];
        if quote == '\'' {
            let mut text: Option<String> = None;
            let mut i = 0;
            while let Some(at) = inner[i..].find('\'') {
                let at = i + at;
                if inner[at + 1..].starts_with('\'') {
                    text.get_or_insert_with(String::new)
                        .push_str(&inner[i..=at]);
                    i = at + 2;
                    continue;
                }
                let value = match text {
                    Some(mut text) => {
                        text.push_str(&inner[i..at]);
                        Cow::Owned(text)
                    }
                    None => Cow::Borrowed(&inner[..at]),
                };
                return Ok((value, at + 2));
            }
            return Err(self.error(col, "a quoted value must end on its line"));
        }
        let mut text: Option<String> = None;
        let mut chars = inner.char_indices();
        let mut plain_from = 0;
        while let Some((at, c)) = chars.next() {
            match c {
                '"' => {
                    let value = match text {
                        Some(mut text) => {
                            text.push_str(&inner[plain_from..at]);
                            Cow::Owned(text)
                        }
                        None => Cow::Borrowed(&inner[..at]),
                    };
                    return Ok((value, at + 2));
                }
                '\\' => {
                    let escaped = escape(&mut chars)
                        .ok_or_else(|| self.error(col + 1 + at, "an unknown escape in a value"))?;
                    let text = text.get_or_insert_with(String::new);
                    text.push_str(&inner[plain_from..at]);
                    text.push(escaped);
                    plain_from = chars.clone().next().map_or(inner.len(), |(next, _)| next);
                }
                _ => {}
            }
        }
        Err(self.error(col, "a quoted value must end on its line"))
    }

    /// A flow collection at the read position; it may go on over lines.
    fn flow(&mut self, depth: usize, keep: Keep) -> Parsed<Node<'a>> {
        let open = self.rest().chars().next().expect("at a bracket");
        self.deeper(depth, self.col)?;
        let (line, col) = (self.line, self.col);
        self.col += 1;
        let close = if open == '[' { ']' } else { '}' };
        let mut items = Vec::new();
        let mut fields: Vec<(Cow<'a, str>, Node<'a>)> = Vec::new();
        loop {
            let Some(c) = self.flow_char()? else {
                self.line = line;
                return Err(self.error(col, "a [ or { is never closed"));
            };
            if c == close {
                self.col += 1;
                break;
            }
            if open == '{' {
                let key = self.flow_scalar()?;
                if self.flow_char()? != Some(':') {
                    return Err(self.error(self.col, "expected `key: value` in { }"));
                }
                self.col += 1;
                let Node::Scalar(key) = key else {
                    return Err(self.error(self.col, "a key must be text"));
                };
                if fields.iter().any(|(seen, _)| *seen == key) {
                    return Err(self.error(self.col, "a key appears twice in one mapping"));
                }
                let value = match self.flow_char()? {
                    Some(',' | '}') => Node::Null,
                    _ => self.flow_node(depth, keep)?,
                };
                if keep.all() {
                    fields.push((key, value));
                }
            } else {
                let item = self.flow_node(depth, keep)?;
                if keep.all() {
                    items.push(item);
                }
            }
            match self.flow_char()? {
                Some(',') => self.col += 1,
                Some(c) if c == close => {}
                Some(_) => {
                    return Err(self.error(self.col, "expected `,` or the closing bracket"));
                }
                None => {
                    self.line = line;
                    return Err(self.error(col, "a [ or { is never closed"));
                }
            }
        }
        Ok(match (keep.all(), open) {
            (false, _) => Node::Dropped,
            (true, '[') => Node::Seq(items),
            (true, _) => Node::Map(fields),
        })
    }

    /// A node inside a flow collection.
    fn flow_node(&mut self, depth: usize, keep: Keep) -> Parsed<Node<'a>> {
        match self.flow_char()? {
            Some('[' | '{') => self.flow(depth + 1, keep),
            _ => self.flow_scalar().map(|node| match node {
                Node::Scalar(text) => keep.scalar(text),
                other => other,
            }),
        }
    }

    /// A scalar inside a flow collection: quoted, or plain up to `,`, `:`
    /// (before a blank), a bracket, a comment or the end of the line.
    fn flow_scalar(&mut self) -> Parsed<Node<'a>> {
        let body = self.rest();
        let Some(first) = body.chars().next() else {
            return Err(self.error(self.col, "expected a value"));
        };
        if let Some(what) = refused_start(first) {
            return Err(self.error(self.col, what));
        }
        if matches!(first, '"' | '\'') {
            let (text, len) = self.quoted(body, first, self.col)?;
            self.col += len;
            return Ok(Node::Scalar(text));
        }
        let bytes = body.as_bytes();
        let mut end = 0;
        while end < bytes.len() {
            match bytes[end] {
                b',' | b'[' | b']' | b'{' | b'}' => break,
                b':' if bytes
                    .get(end + 1)
                    .is_none_or(|next| matches!(next, b' ' | b'\t' | b',' | b']' | b'}')) =>
                {
                    break;
                }
                b'#' if end > 0 && matches!(bytes[end - 1], b' ' | b'\t') => break,
                _ => end += 1,
            }
        }
        let text = body[..end].trim_end_matches([' ', '\t']);
        if text.is_empty() {
            return Err(self.error(self.col, "expected a value"));
        }
        self.col += end;
        Ok(null_or(Cow::Borrowed(text)))
    }

    /// The next character that means something inside a flow collection,
    /// past blanks, comments and line ends (the read position is moved to
    /// it); `None` at the end of the file.
    fn flow_char(&mut self) -> Parsed<Option<char>> {
        loop {
            let Some(line) = self.lines.get(self.line) else {
                return Ok(None);
            };
            if self.col == 0
                && let Some(bad) = line.find(|c: char| c.is_control() && c != '\t')
            {
                return Err(self.error(bad, "control characters are not allowed"));
            }
            let rest = &line[self.col..];
            let body = rest.trim_start_matches([' ', '\t']);
            self.col += rest.len() - body.len();
            match body.chars().next() {
                None => {}
                Some('#') if body.len() < rest.len() || self.col == 0 => {}
                Some(c) => return Ok(Some(c)),
            }
            self.line += 1;
            self.col = 0;
        }
    }
}

/// What of the file is kept.
#[derive(Debug, Clone, Copy)]
enum Keep<'k> {
    All,
    Nothing,
    /// The top-level mapping: only this key's value.
    Only(&'k str),
}

impl Keep<'_> {
    fn all(self) -> bool {
        matches!(self, Keep::All)
    }

    fn keeps_map(self) -> bool {
        !matches!(self, Keep::Nothing)
    }

    /// What is kept of the value of `key` in a mapping kept like this.
    fn value(self, key: &str) -> Keep<'static> {
        match self {
            Keep::All => Keep::All,
            Keep::Only(only) if only == key => Keep::All,
            _ => Keep::Nothing,
        }
    }

    fn scalar(self, text: Cow<'_, str>) -> Node<'_> {
        if self.all() {
            null_or(text)
        } else {
            Node::Dropped
        }
    }
}

/// YAML's nulls, else the text.
fn null_or(text: Cow<'_, str>) -> Node<'_> {
    match &*text {
        "~" | "null" | "Null" | "NULL" => Node::Null,
        _ => Node::Scalar(text),
    }
}

fn is_item(body: &str) -> bool {
    body == "-" || body.starts_with("- ") || body.starts_with("-\t")
}

/// Where the plain key of a `key: value` line ends: at the first `:`
/// followed by a blank or the end (not inside the key's text otherwise).
fn find_key_end(body: &str) -> Option<usize> {
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b':' if bytes.get(i + 1).is_none_or(|c| matches!(c, b' ' | b'\t')) => {
                return Some(i);
            }
            b'#' if i > 0 && matches!(bytes[i - 1], b' ' | b'\t') => return None,
            _ => i += 1,
        }
    }
    None
}

/// A plain scalar in block context: the line up to a comment.
fn plain_in_block(body: &str) -> &str {
    let bytes = body.as_bytes();
    let end = (1..bytes.len())
        .find(|&i| bytes[i] == b'#' && matches!(bytes[i - 1], b' ' | b'\t'))
        .unwrap_or(bytes.len());
    &body[..end]
}

/// The character a double-quoted escape stands for (after the `\`).
fn escape(chars: &mut std::str::CharIndices<'_>) -> Option<char> {
    let (_, c) = chars.next()?;
    let hex = |chars: &mut std::str::CharIndices<'_>, n: usize| {
        let mut value = 0u32;
        for _ in 0..n {
            value = value * 16 + chars.next()?.1.to_digit(16)?;
        }
        char::from_u32(value)
    };
    Some(match c {
        '0' => '\0',
        'a' => '\u{7}',
        'b' => '\u{8}',
        't' | '\t' => '\t',
        'n' => '\n',
        'v' => '\u{b}',
        'f' => '\u{c}',
        'r' => '\r',
        'e' => '\u{1b}',
        ' ' => ' ',
        '"' => '"',
        '/' => '/',
        '\\' => '\\',
        'N' => '\u{85}',
        '_' => '\u{a0}',
        'L' => '\u{2028}',
        'P' => '\u{2029}',
        'x' => hex(chars, 2)?,
        'u' => hex(chars, 4)?,
        'U' => hex(chars, 8)?,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint<'a>(text: &'a str, region: &str) -> Result<Found<'a>, Refused> {
        oms_endpoint(text, region)
    }

    fn syntax(text: &str) -> Syntax {
        match endpoint(text, "r") {
            Err(Refused::Syntax(syntax)) => syntax,
            other => panic!("{other:?} for {text:?}"),
        }
    }

    fn url(text: &str) -> Found<'_> {
        Found::Endpoint(Cow::Borrowed(text))
    }

    #[test]
    fn reads_the_official_format_and_its_variants() {
        let cases = [
            "OMS:\n  - id: r\n    endpoint: https://a\n",
            "OMS:\n- id: r\n  endpoint: https://a\n",
            "---\n# regions\nECS:\n  - id: r\n    endpoint: https://ecs\nOMS:\n  - id: x\n    endpoint: https://x\n  - id: r  # this one\n    endpoint: https://a # the proxy\n...\n",
            "OMS:\n  - id: 'r'\n    endpoint: \"https://a\"\n",
            "OMS:\n  - id: r\n    endpoints: [https://a, https://b]\n",
            "OMS:\n  - id: r\n    endpoints:\n      - https://a\n      - https://b\n",
            "OMS:\n  - id: r\n    endpoints:\n    - https://a\n",
            "OMS: [{id: r, endpoint: https://a}]\n",
            "OMS: [\n  {id: r,\n   endpoints: [https://a]},\n]\n",
            "OMS:\n  -\n    id: r\n    endpoint: https://a\n",
            "\u{feff}OMS:\r\n  - id: r\r\n    endpoint: https://a\r\n",
            "\"OMS\":\n  - \"id\": r\n    endpoint: https://a\n    extra:\n      nested: [1, {a: b}]\n",
        ];
        for text in cases {
            assert_eq!(endpoint(text, "r"), Ok(url("https://a")), "{text}");
        }
        assert_eq!(
            endpoint("OMS:\n  - id: \"\\x72\"\n    endpoint: 'it''s'\n", "r"),
            Ok(Found::Endpoint(Cow::Owned("it's".to_owned())))
        );
    }

    #[test]
    fn absent_sections_regions_and_endpoints() {
        assert_eq!(endpoint("", "r"), Ok(Found::Nothing));
        assert_eq!(endpoint("# nothing\n", "r"), Ok(Found::Nothing));
        assert_eq!(endpoint("ECS: []\n", "r"), Ok(Found::Nothing));
        assert_eq!(endpoint("OMS: []\n", "r"), Ok(Found::Nothing));
        assert_eq!(
            endpoint("OMS:\n  - id: x\n    endpoint: y\n", "r"),
            Ok(Found::Nothing)
        );
        assert_eq!(endpoint("OMS:\n  - id: r\n", "r"), Ok(Found::NoEndpoint));
        assert_eq!(
            endpoint("OMS:\n  - id: r\n    endpoint: ~\n", "r"),
            Ok(Found::NoEndpoint)
        );
    }

    #[test]
    fn shapes_other_than_a_list_of_entries_are_refused() {
        for text in [
            "OMS: x\n",
            "OMS:\n",
            "OMS:\n  id: r\n",
            "OMS:\n  - just text\n",
            "OMS:\n  - endpoint: https://a\n",
            "OMS:\n  - id: [r]\n    endpoint: https://a\n",
            "OMS:\n  - id: r\n    endpoints: https://a\n",
        ] {
            assert_eq!(endpoint(text, "r"), Err(Refused::NotAList), "{text}");
        }
        for text in ["- a\n", "just text\n", "[OMS]\n"] {
            assert!(
                matches!(endpoint(text, "r"), Err(Refused::Syntax(s)) if s.what.contains("not a mapping")),
                "{text}"
            );
        }
    }

    #[test]
    fn what_the_subset_refuses_is_named_with_its_place() {
        let cases = [
            ("OMS: &a [x]\n", 1, 6, "anchors"),
            ("A: &a x\nOMS: *a\n", 1, 4, "anchors"),
            ("OMS:\n  - id: r\n    endpoint: *u\n", 3, 15, "aliases"),
            ("OMS: !!seq []\n", 1, 6, "tags"),
            (
                "OMS:\n  - id: r\n    endpoint: |\n      https://a\n",
                3,
                15,
                "block scalars",
            ),
            ("%YAML 1.2\n---\nOMS: []\n", 1, 1, "not a mapping"),
            ("OMS: []\n---\nOMS: []\n", 2, 1, "one YAML document"),
            ("OMS: []\nOMS: []\n", 2, 1, "twice"),
            ("OMS:\n\t- id: r\n", 2, 2, "tabs"),
            (
                "OMS:\n  - id: r\n    endpoint: \"https://a\n",
                3,
                15,
                "end on its line",
            ),
            ("OMS: [\n  {id: r, endpoint: x\n", 2, 3, "never closed"),
            ("OMS:\n  - id: r\n     endpoint: x\n", 3, 6, "indented"),
            (
                "OMS:\n  - id: r\n    endpoint: a: b\n",
                3,
                15,
                "not allowed here",
            ),
            ("OMS:\n  - id: r\n    endpoint: \"\\q\"\n", 3, 16, "escape"),
            ("OMS: [a b c\n", 1, 6, "never closed"),
            ("OMS: [a, b] x\n", 1, 13, "after a value"),
            ("OMS:\n  - id: r\u{0}\n", 2, 10, "control"),
            ("? OMS\n: []\n", 1, 1, "not a mapping"),
        ];
        for (text, line, column, what) in cases {
            let found = syntax(text);
            assert_eq!(
                (found.line, found.column),
                (line, column),
                "{text:?}: {found:?}"
            );
            assert!(found.what.contains(what), "{text:?}: {found:?}");
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!("OMS: {}{}\n", "[".repeat(500_000), "]".repeat(500_000));
        assert!(syntax(&deep).what.contains("deeper"));
        let mut block = String::from("OMS:\n");
        for level in 0..100 {
            block.push_str(&" ".repeat(level * 2));
            block.push_str("- \n");
        }
        assert!(
            syntax(&block).what.contains("deeper"),
            "{:?}",
            syntax(&block)
        );
        let compact = format!("OMS:\n  {}x\n", "- ".repeat(400_000));
        assert!(syntax(&compact).what.contains("deeper"));
        assert!(syntax("OMS: - x\n").what.contains("list item"));
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_read_or_refused_without_panic(text in "\\PC{0,400}|[-:\\[\\]{}'\" \n#a-z&*!|>]{0,400}") {
            let _ = oms_endpoint(&text, "r");
        }
    }
}
