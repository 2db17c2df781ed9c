//! Hugo shortcodes, parsed as Hugo 0.111's page lexer
//! (`parser/pageparser/pagelexer_shortcode.go`) and shortcode extractor
//! (`hugolib/shortcode.go`) read them: `{{< name params >}}` and
//! `{{% name params %}}`, positional or named params (quoted with `"…"`,
//! raw with backticks, or bare), self-closing `{{< name />}}`, paired with
//! inner content and `{{< /name >}}`, nested, and the comment escape
//! `{{</* name */>}}`, which is text: `{{< name >}}`.
//!
//! Which shortcodes take a closing tag: Hugo asks the template (one that
//! uses `.Inner` must be closed, one that does not must not be). Gazette
//! knows the built-ins' templates ([`needs_inner`]); an unknown shortcode
//! is paired when a closing tag of its name follows before its enclosing
//! shortcode closes, and stands alone otherwise.

pub mod highlight;
pub mod html;

use serde_json::{Map, Value};

/// A shortcode's params: Hugo's `.Params`, positional or named (never both).
#[derive(Debug, Clone, PartialEq)]
pub enum Params {
    /// `{{< name a "b c" >}}`; also a shortcode without params.
    Positional(Vec<Value>),
    /// `{{< name key=a other="b c" >}}`.
    Named(Map<String, Value>),
}

impl Params {
    /// Hugo's `.Get`: a positional param by index, a named one by key.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Params::Named(map) => map.get(key),
            Params::Positional(_) => None,
        }
    }

    /// A positional param (`.Get 0`).
    pub fn at(&self, index: usize) -> Option<&Value> {
        match self {
            Params::Positional(list) => list.get(index),
            Params::Named(_) => None,
        }
    }

    /// `.Get "key"` shown as text (empty when missing), as a template prints it.
    pub fn text(&self, key: &str) -> String {
        self.get(key).map(value_text).unwrap_or_default()
    }

    /// `.Get index` shown as text.
    pub fn text_at(&self, index: usize) -> String {
        self.at(index).map(value_text).unwrap_or_default()
    }

    /// How many params there are (`len .Params`).
    pub fn len(&self) -> usize {
        match self {
            Params::Positional(list) => list.len(),
            Params::Named(map) => map.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The params as JSON: an object of named params or an array of positional ones.
    pub fn to_json(&self) -> Value {
        match self {
            Params::Positional(list) => Value::Array(list.clone()),
            Params::Named(map) => Value::Object(map.clone()),
        }
    }
}

/// A value as a Go template prints it (`{{ . }}`): strings as they are,
/// numbers and booleans in their usual spelling.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(items) => format!("[{}]", items.iter().map(value_text).collect::<Vec<_>>().join(" ")),
        Value::Object(map) => format!(
            "map[{}]",
            map.iter()
                .map(|(k, v)| format!("{k}:{}", value_text(v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        other => other.to_string(),
    }
}

/// One shortcode call.
#[derive(Debug, Clone, PartialEq)]
pub struct Shortcode {
    pub name: String,
    pub params: Params,
    /// Called with `{{% %}}`: its inner content is markdown.
    pub markdown: bool,
    /// What stood between the opening and closing tags; `None` when the
    /// shortcode has no closing tag (self-closing or standalone).
    pub inner: Option<Vec<Node>>,
    /// The inner content as written (Hugo's `.Inner` before rendering):
    /// empty without a closing tag.
    pub inner_source: String,
    /// 1-based line of its opening `{{`, within the text parsed.
    pub line: usize,
}

/// Text or a shortcode, in document order.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Text(String),
    Shortcode(Shortcode),
}

/// Why a body's shortcodes could not be read: Hugo refuses to build the page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct ParseError {
    /// 1-based line within the text parsed.
    pub line: usize,
    pub reason: String,
}

/// Whether a shortcode's template uses `.Inner`: Hugo requires such a
/// shortcode to be closed and refuses a closing tag on any other. `None`
/// for a shortcode Gazette has no template of.
pub fn needs_inner(name: &str) -> Option<bool> {
    match name {
        "highlight" | "details" => Some(true),
        "figure" | "youtube" | "vimeo" | "vimeo_simple" | "tweet" | "twitter" | "twitter_simple" | "x" | "param"
        | "ref" | "relref" | "gist" | "instagram" | "instagram_simple" => Some(false),
        _ => None,
    }
}

/// Parses `text` into text and shortcodes. Fails where Hugo does.
pub fn parse(text: &str) -> Result<Vec<Node>, ParseError> {
    let tokens = Lexer::new(text).run()?;
    build(text, tokens)
}

/// Whether `text` could hold a shortcode at all (a quick test before parsing).
pub fn may_contain(text: &str) -> bool {
    text.contains("{{<") || text.contains("{{%")
}

fn line_at(text: &str, offset: usize) -> usize {
    1 + text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
}

#[derive(Debug)]
enum TagKind {
    Open,
    SelfClosed,
    Close,
}

#[derive(Debug)]
struct Tag {
    name: String,
    params: Params,
    markdown: bool,
    kind: TagKind,
    offset: usize,
    /// Just after its right delimiter.
    end: usize,
}

#[derive(Debug)]
enum Token {
    Text(String),
    Tag(Tag),
}

/// A param as the lexer emits it: a word or value, and whether it was quoted
/// (a quoted value stays a string; a bare one is typed, as Hugo's `ValTyped`).
#[derive(Debug)]
enum Item {
    Param(String, bool),
    Value(String, bool),
}

fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphabetic() || c.is_numeric()
}

fn is_alnum_or_hyphen(c: char) -> bool {
    is_alnum(c) || c == '-'
}

/// Hugo's `ValTyped`: a bare `true`/`false` is a boolean, a bare integer
/// or decimal a number; anything quoted is a string.
fn typed(s: &str, quoted: bool) -> Value {
    if quoted {
        return Value::String(s.to_owned());
    }
    if s == "true" || s == "false" {
        return Value::Bool(s == "true");
    }
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(n) = s.trim_start_matches('+').parse::<i64>() {
            return Value::from(n);
        }
        return Value::String(s.to_owned());
    }
    if let Some((int, frac)) = digits.split_once('.') {
        if int.bytes().all(|b| b.is_ascii_digit()) && !frac.is_empty() && frac.bytes().all(|b| b.is_ascii_digit()) {
            if let Some(n) = s
                .trim_start_matches('+')
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
            {
                return Value::Number(n);
            }
        }
    }
    Value::String(s.to_owned())
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    /// Hugo's lexer remembers the last shortcode name across tags: a `/`
    /// before any shortcode was named is an error.
    any_named: bool,
    /// Every name seen so far: a closing tag must name one of them.
    names: std::collections::HashSet<String>,
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            pos: 0,
            any_named: false,
            names: Default::default(),
        }
    }

    fn error(&self, offset: usize, reason: impl Into<String>) -> ParseError {
        ParseError {
            line: line_at(self.text, offset),
            reason: reason.into(),
        }
    }

    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn run(mut self) -> Result<Vec<Token>, ParseError> {
        let mut tokens = Vec::new();
        let mut text = String::new();
        loop {
            let found = [self.rest().find("{{<"), self.rest().find("{{%")]
                .into_iter()
                .flatten()
                .min();
            let Some(at) = found else {
                text.push_str(self.rest());
                break;
            };
            text.push_str(&self.rest()[..at]);
            let start = self.pos + at;
            let markdown = self.text[start..].starts_with("{{%");
            let right = if markdown { "%}}" } else { ">}}" };
            self.pos = start + 3;
            if self.rest().starts_with("/*") {
                // The comment escape: everything but the comment markers is text.
                let close = format!("*/{right}");
                match self.rest().find(&close) {
                    Some(i) if i > 1 => {
                        text.push_str(&self.text[start..start + 3]);
                        text.push_str(&self.rest()[2..i]);
                        text.push_str(right);
                        self.pos += i + close.len();
                    }
                    _ => return Err(self.error(start, "comment must be closed")),
                }
                continue;
            }
            if !text.is_empty() {
                tokens.push(Token::Text(std::mem::take(&mut text)));
            }
            let tag = self.tag(start, markdown, right)?;
            tokens.push(Token::Tag(tag));
        }
        if !text.is_empty() {
            tokens.push(Token::Text(text));
        }
        Ok(tokens)
    }

    /// One tag, from after its `{{<` or `{{%` to after its right delimiter.
    fn tag(&mut self, start: usize, markdown: bool, right: &str) -> Result<Tag, ParseError> {
        let mut name: Option<String> = None;
        let mut closing = false;
        let mut slash_after_name = false;
        let mut items: Vec<Item> = Vec::new();
        // Hugo's `paramElements`: 1 once a positional param was seen, 2 a named one.
        let mut kinds = 0u8;
        loop {
            if self.rest().starts_with(right) {
                self.pos += right.len();
                break;
            }
            let at = self.pos;
            let Some(c) = self.next() else {
                return Err(self.error(at, "unclosed shortcode action"));
            };
            match c {
                ' ' | '\t' | '\r' | '\n' => {}
                '=' => {
                    while self.peek().is_some_and(char::is_whitespace) {
                        self.next();
                    }
                    let value = match self.peek() {
                        Some('"') => self.quoted(true)?,
                        Some('\\') => self.quoted(false)?,
                        Some('`') => self.raw()?,
                        _ => {
                            let from = self.pos;
                            while self.peek().is_some_and(|c| !c.is_whitespace()) {
                                self.next();
                            }
                            (self.text[from..self.pos].to_owned(), false)
                        }
                    };
                    items.push(Item::Value(value.0, value.1));
                }
                '/' => {
                    if !self.any_named {
                        return Err(self.error(at, "got closing shortcode, but none is open"));
                    }
                    if name.is_some() {
                        slash_after_name = true;
                    } else {
                        closing = true;
                    }
                }
                '\\' => {
                    if matches!(self.peek(), Some('"') | Some('`')) {
                        self.param(true, &mut kinds, &mut items)?;
                    }
                }
                c if name.is_some() && (is_alnum_or_hyphen(c) || c == '"' || c == '`') => {
                    self.pos = at;
                    self.param(false, &mut kinds, &mut items)?;
                }
                c if is_alnum(c) => {
                    self.pos = at;
                    let word = self.identifier()?;
                    if closing && !self.names.contains(&word) {
                        return Err(self.error(
                            at,
                            format!("closing tag for shortcode '{word}' does not match start tag"),
                        ));
                    }
                    self.names.insert(word.clone());
                    self.any_named = true;
                    name = Some(word);
                    if closing {
                        // Only spaces may follow the name of a closing tag.
                        loop {
                            if self.rest().starts_with(right) {
                                break;
                            }
                            let at = self.pos;
                            match self.next() {
                                Some(' ' | '\t') => {}
                                _ => return Err(self.error(at, "unclosed shortcode")),
                            }
                        }
                    }
                }
                other => {
                    return Err(self.error(
                        at,
                        format!(
                            "unrecognized character in shortcode action: U+{:04X} {other:?}. Note: Parameters with non-alphanumeric args must be quoted",
                            other as u32
                        ),
                    ))
                }
            }
        }
        let Some(name) = name else {
            return Err(self.error(start, "shortcode has no name"));
        };
        let params = params_of(items).map_err(|reason| self.error(start, reason))?;
        let kind = if closing {
            TagKind::Close
        } else if slash_after_name {
            TagKind::SelfClosed
        } else {
            TagKind::Open
        };
        Ok(Tag {
            name,
            params,
            markdown,
            kind,
            offset: start,
            end: self.pos,
        })
    }

    fn identifier(&mut self) -> Result<String, ParseError> {
        let from = self.pos;
        loop {
            let at = self.pos;
            match self.peek() {
                Some(c) if is_alnum_or_hyphen(c) || c == '/' => {
                    self.next();
                }
                Some('.') => {
                    self.next();
                    if !self.rest().starts_with("inline ") {
                        return Err(self.error(at, "period in shortcode name only allowed for inline identifiers"));
                    }
                }
                _ => break,
            }
        }
        Ok(self.text[from..self.pos].to_owned())
    }

    /// A param: a positional value, or the key of a named one.
    fn param(&mut self, escaped_quote_start: bool, kinds: &mut u8, items: &mut Vec<Item>) -> Result<(), ParseError> {
        let at = self.pos;
        match self.peek() {
            Some('"') | Some('`') if !(escaped_quote_start && self.peek() == Some('`')) => {
                if *kinds == 2 {
                    return Err(self.error(
                        at,
                        "got quoted positional parameter. Cannot mix named and positional parameters",
                    ));
                }
                *kinds = 1;
                let (value, quoted) = if self.peek() == Some('"') {
                    self.quoted(!escaped_quote_start)?
                } else {
                    self.raw()?
                };
                items.push(Item::Param(value, quoted));
                return Ok(());
            }
            Some('`') => return Err(self.error(at, "unrecognized escape character")),
            _ => {}
        }
        let from = self.pos;
        let mut named = false;
        while let Some(c) = self.peek() {
            if c == '=' {
                named = true;
                break;
            }
            if !is_alnum_or_hyphen(c) && c != '.' {
                break;
            }
            self.next();
        }
        let word = self.text[from..self.pos].to_owned();
        match (*kinds, named) {
            (0, _) => *kinds = if named { 2 } else { 1 },
            (1, true) => {
                return Err(self.error(
                    at,
                    format!("got named parameter '{word}'. Cannot mix named and positional parameters"),
                ))
            }
            (2, false) => {
                return Err(self.error(
                    at,
                    format!("got positional parameter '{word}'. Cannot mix named and positional parameters"),
                ))
            }
            _ => {}
        }
        items.push(Item::Param(word, false));
        Ok(())
    }

    /// A `"…"` value (the lexer stands on its `"`, or on the `\` of `\"…\"`).
    fn quoted(&mut self, escapes_allowed: bool) -> Result<(String, bool), ParseError> {
        let mut open = false;
        let mut escaped_inner = false;
        let mut escape_state = false;
        let mut from = self.pos;
        loop {
            let at = self.pos;
            match self.next() {
                Some('\\') => match self.peek() {
                    Some('"') if open && !escapes_allowed => {
                        self.pos = at;
                        break;
                    }
                    Some('"') if open => {
                        escaped_inner = true;
                        escape_state = true;
                    }
                    Some('`') => return Err(self.error(at, "unrecognized escape character")),
                    _ => {}
                },
                None | Some('\n') => {
                    return Err(self.error(
                        at,
                        format!(
                            "unterminated quoted string in shortcode parameter-argument: '{}'",
                            &self.text[from..at]
                        ),
                    ))
                }
                Some('"') => {
                    if !escape_state {
                        if open {
                            self.pos = at;
                            break;
                        }
                        open = true;
                        from = self.pos;
                    } else {
                        escape_state = false;
                    }
                }
                Some(_) => {}
            }
        }
        let raw = &self.text[from..self.pos];
        // Hugo drops every backslash of a value that escaped a quote.
        let value = if escaped_inner {
            raw.replace('\\', "")
        } else {
            raw.to_owned()
        };
        match self.next() {
            Some('\\') if self.peek() == Some('"') => {
                self.next();
            }
            Some('"') => {}
            Some(c) => self.pos -= c.len_utf8(),
            None => {}
        }
        Ok((value, true))
    }

    /// A backtick-quoted raw value: no escapes at all.
    fn raw(&mut self) -> Result<(String, bool), ParseError> {
        let at = self.pos;
        self.next();
        let from = self.pos;
        match self.rest().find('`') {
            Some(i) => {
                self.pos += i + 1;
                Ok((self.text[from..from + i].to_owned(), true))
            }
            None => Err(self.error(
                at,
                format!(
                    "unterminated raw string in shortcode parameter-argument: '{}'",
                    &self.text[from..]
                ),
            )),
        }
    }
}

/// Hugo's extractor: a param followed by a value is named, else positional.
fn params_of(items: Vec<Item>) -> Result<Params, String> {
    let mut positional = Vec::new();
    let mut named = Map::new();
    let mut items = items.into_iter().peekable();
    while let Some(item) = items.next() {
        match item {
            Item::Param(key, quoted) => {
                if let Some(Item::Value(..)) = items.peek() {
                    if let Some(Item::Value(v, vq)) = items.next() {
                        named.insert(key, typed(&v, vq));
                    }
                } else {
                    positional.push(typed(&key, quoted));
                }
            }
            // A value with no key before it carries no name: Hugo skips it.
            Item::Value(..) => {}
        }
    }
    match (positional.is_empty(), named.is_empty()) {
        (_, true) => Ok(Params::Positional(positional)),
        (true, false) => Ok(Params::Named(named)),
        (false, false) => {
            Err("invalid state: invalid param type: cannot mix named and positional parameters".to_owned())
        }
    }
}

/// A shortcode being filled with its inner content.
struct Open {
    shortcode: Shortcode,
    children: Vec<Node>,
    /// Known to need a closing tag (its template uses `.Inner`).
    required: bool,
    offset: usize,
    end: usize,
}

fn build(text: &str, tokens: Vec<Token>) -> Result<Vec<Node>, ParseError> {
    let error = |offset: usize, reason: String| ParseError {
        line: line_at(text, offset),
        reason,
    };
    let mut root: Vec<Node> = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    fn push(stack: &mut [Open], root: &mut Vec<Node>, node: Node) {
        match stack.last_mut() {
            Some(open) => open.children.push(node),
            None => root.push(node),
        }
    }
    // An unknown shortcode left open turns out to stand alone: its
    // "children" follow it as siblings.
    fn unwind(open: Open, stack: &mut [Open], root: &mut Vec<Node>) {
        push(stack, root, Node::Shortcode(open.shortcode));
        for child in open.children {
            push(stack, root, child);
        }
    }
    for token in tokens {
        match token {
            Token::Text(t) => push(&mut stack, &mut root, Node::Text(t)),
            Token::Tag(tag) => {
                let line = line_at(text, tag.offset);
                let shortcode = Shortcode {
                    name: tag.name.clone(),
                    params: tag.params,
                    markdown: tag.markdown,
                    inner: None,
                    inner_source: String::new(),
                    line,
                };
                let known = needs_inner(&tag.name);
                match tag.kind {
                    TagKind::SelfClosed | TagKind::Close if known == Some(false) => {
                        return Err(error(
                            tag.offset,
                            format!(
                                "failed to extract shortcode: shortcode {:?} does not evaluate .Inner or .InnerDeindent, yet a closing tag was provided",
                                tag.name
                            ),
                        ))
                    }
                    TagKind::SelfClosed => push(&mut stack, &mut root, Node::Shortcode(shortcode)),
                    TagKind::Open if known == Some(false) => push(&mut stack, &mut root, Node::Shortcode(shortcode)),
                    TagKind::Open => stack.push(Open {
                        shortcode,
                        children: Vec::new(),
                        required: known == Some(true),
                        offset: tag.offset,
                        end: tag.end,
                    }),
                    TagKind::Close => {
                        let Some(depth) = stack.iter().rposition(|o| o.shortcode.name == tag.name) else {
                            return Err(error(
                                tag.offset,
                                format!("closing tag for shortcode '{}' does not match start tag", tag.name),
                            ));
                        };
                        if let Some(blocking) = stack[depth + 1..].iter().find(|o| o.required) {
                            return Err(error(
                                tag.offset,
                                format!(
                                    "closing tag for shortcode '{}' does not match start tag: {:?} (line {}) is still open",
                                    tag.name,
                                    blocking.shortcode.name,
                                    line_at(text, blocking.offset)
                                ),
                            ));
                        }
                        while stack.len() > depth + 1 {
                            if let Some(open) = stack.pop() {
                                unwind(open, &mut stack, &mut root);
                            }
                        }
                        if let Some(mut open) = stack.pop() {
                            open.shortcode.inner = Some(open.children);
                            open.shortcode.inner_source = text[open.end..tag.offset].to_owned();
                            push(&mut stack, &mut root, Node::Shortcode(open.shortcode));
                        }
                    }
                }
            }
        }
    }
    while let Some(open) = stack.pop() {
        if open.required {
            return Err(error(
                open.offset,
                format!(
                    "failed to extract shortcode: shortcode {:?} must be closed or self-closed",
                    open.shortcode.name
                ),
            ));
        }
        unwind(open, &mut stack, &mut root);
    }
    // Adjacent text (a comment escape next to text) reads as one piece.
    let mut merged: Vec<Node> = Vec::with_capacity(root.len());
    for node in root {
        match (merged.last_mut(), node) {
            (Some(Node::Text(a)), Node::Text(b)) => a.push_str(&b),
            (_, node) => merged.push(node),
        }
    }
    Ok(merged)
}

#[cfg(test)]
mod tests;
