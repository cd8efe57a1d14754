//! Reader for the nats-server configuration file format.
//!
//! Input: the text of a config file (or a file path). Output: a [`Map`] of the top-level keys, each key
//! and value carrying its file and line ([`Pos`]). It accepts what nats-server's `conf` package accepts:
//!
//! - `key = value`, `key: value` and `key value`; keys may be quoted; `;` or `,` may end a value.
//! - Maps `name { … }` (the separator before `{` is optional), arrays `[a, b]` or one value a line.
//! - Comments starting with `#` or `//`.
//! - Single-quoted strings (no escapes, may span lines), double-quoted strings and unquoted strings with
//!   the escapes `\t \n \r \" \\ \xHH`, and `( … )` blocks that end with `)` alone on a line.
//! - Integers with size suffixes: `k m g t p e` are powers of 1000, `kb ki kib mb …` powers of 1024,
//!   any case. So an unquoted `2m` is the *number* 2 000 000, not two minutes; `10s`, `1h30m` and
//!   `500ms` are strings because they are not numbers.
//! - Floats, booleans (`true false yes no on off`), ISO 8601 Zulu datetimes, and unquoted IP addresses
//!   such as `127.0.0.1:4222` (strings).
//! - `include path` (relative to the including file's directory), inside any map or at the top.
//! - `$NAME` variables: the latest `NAME` defined so far in the current map or an enclosing one, else the
//!   environment variable `NAME` (whose text is itself parsed as a value); an unknown name is an error.
//!   `$2a$…` is a bcrypt hash, not a variable.
//! - A `{ … }` around the whole file, so JSON-shaped files load.
//!
//! It also reproduces the format's odd corners so that a file means the same to both servers: after
//! `=`/`:` at the top level the value must be on the same line (inside a map it need not); a bare number
//! directly followed by `]` is read as a string (`[1]` is an error in nats-server too). Deliberate
//! differences: an absolute include path is honoured (nats-server appends it to the directory of the
//! including file), include cycles and overflowing size suffixes are errors, and a few inputs that leave
//! nats-server's parser in an inconsistent state (a map key with no value, an unknown size suffix such as
//! `1kbb`) are errors.
//!
//! It does not know what any key means; the typed layer in this module's parent does.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::value::{Entry, Kind, Map, Pos, Value};

/// Why a config file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The text is not valid config syntax, or an include or variable could not be resolved.
    #[error("{pos}: {message}")]
    Syntax {
        /// Where the problem was found.
        pos: Pos,
        /// What is wrong.
        message: String,
    },
    /// The main config file could not be read.
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Parses the file at `path`, taking `$VARIABLES` not defined in the file from the process environment.
pub fn parse_file(path: &Path) -> Result<Map, ParseError> {
    let text = std::fs::read_to_string(path).map_err(|source| ParseError::Read { path: path.to_path_buf(), source })?;
    parse_str(&text, path)
}

/// Parses `text` as if it had been read from the file `origin` (used for positions and as the base of
/// relative includes), taking undefined `$VARIABLES` from the process environment.
pub fn parse_str(text: &str, origin: &Path) -> Result<Map, ParseError> {
    parse_str_with_env(text, origin, &process_env)
}

fn process_env(name: &str) -> Option<String> {
    std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
}

/// [`parse_str`] with an explicit environment lookup.
pub(crate) fn parse_str_with_env(
    text: &str,
    origin: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Map, ParseError> {
    let mut shared = Shared { env, resolving: Vec::new(), including: vec![canonical(origin)] };
    Parser::new(text, origin, &mut shared).run()
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// How deeply arrays and maps may nest.
const MAX_DEPTH: usize = 128;

/// State shared by a file's parser and the parsers of its includes and environment values.
struct Shared<'e> {
    env: &'e dyn Fn(&str) -> Option<String>,
    /// Environment variables whose values are being parsed (to report cycles).
    resolving: Vec<String>,
    /// Files being parsed (to report include cycles).
    including: Vec<PathBuf>,
}

/// Where a key is being read; the rules for what may follow a key or a value differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// The top level of the file.
    Top,
    /// Inside a `{ … }` wrapper at the top level (JSON style); its keys are top-level keys.
    Block,
    /// Inside a map value.
    Map,
}

/// What a key turned out to be.
enum KeyItem {
    Key(String),
    Include,
    /// A lone quote at the end of the file: nats-server ends the file there.
    Eof,
}

/// After a statement: did the file end instead of a value following the key?
#[derive(PartialEq, Eq)]
enum After {
    Value,
    Eof,
}

/// After a value inside brackets: another one may follow, or the brackets closed.
#[derive(PartialEq, Eq)]
enum Next {
    More,
    Close,
}

/// How a `{ … }` wrapper ended.
enum Flow {
    Closed,
    Eof,
}

struct Parser<'p, 'e> {
    src: &'p str,
    pos: usize,
    line: u32,
    /// 1-based column (in characters) of `pos`.
    column: u32,
    file: Arc<Path>,
    base_dir: PathBuf,
    /// The maps being built, innermost last: the scopes `$variables` are looked up in.
    scopes: Vec<Map>,
    /// Arrays and maps currently open, to refuse input nested deeply enough to exhaust the stack.
    depth: usize,
    shared: &'p mut Shared<'e>,
}

impl<'p, 'e> Parser<'p, 'e> {
    fn new(src: &'p str, origin: &Path, shared: &'p mut Shared<'e>) -> Self {
        let base_dir = origin.parent().map(Path::to_path_buf).unwrap_or_default();
        Parser {
            src,
            pos: 0,
            line: 1,
            column: 1,
            file: Arc::from(origin),
            base_dir,
            scopes: vec![Map::new()],
            depth: 0,
            shared,
        }
    }

    fn run(mut self) -> Result<Map, ParseError> {
        self.document()?;
        Ok(self.scopes.pop().unwrap_or_default())
    }

    // ---- cursor ----

    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_second(&self) -> Option<char> {
        self.src[self.pos..].chars().nth(1)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column = self.column.saturating_add(1);
        }
        Some(c)
    }

    fn here(&self) -> Pos {
        Pos { file: self.file.clone(), line: self.line, column: self.column }
    }

    fn err<T>(&self, message: impl Into<String>) -> Result<T, ParseError> {
        Err(syntax(self.here(), message))
    }

    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.bump();
        }
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    fn at_comment(&self) -> bool {
        match self.peek() {
            Some('#') => true,
            Some('/') => self.peek_second() == Some('/'),
            _ => false,
        }
    }

    /// Skips a comment up to, not including, the end of its line.
    fn comment(&mut self) {
        while let Some(c) = self.peek() {
            if c == '\n' || c == '\r' {
                break;
            }
            self.bump();
        }
    }

    // ---- top level and `{ … }` wrappers ----

    fn document(&mut self) -> Result<(), ParseError> {
        loop {
            self.skip_space();
            match self.peek() {
                None => return Ok(()),
                Some('{') => {
                    self.bump();
                    if let Flow::Eof = self.block()? {
                        return Ok(());
                    }
                }
                _ if self.at_comment() => self.comment(),
                Some('/') => return self.err("unexpected '/' (comments start with '#' or '//')"),
                Some(_) => {
                    if self.statement(Ctx::Top)? == After::Eof {
                        return Ok(());
                    }
                    self.top_value_end()?;
                }
            }
        }
    }

    fn top_value_end(&mut self) -> Result<(), ParseError> {
        loop {
            match self.peek() {
                _ if self.at_comment() => {
                    self.comment();
                    return Ok(());
                }
                Some(' ' | '\t' | '/') => {
                    self.bump();
                }
                None => return Ok(()),
                Some('\n' | '\r' | ';' | ',' | '}') => {
                    self.bump();
                    return Ok(());
                }
                other => {
                    return self.err(format!(
                        "expected a new line, comment or end of file after a top-level value, found {}",
                        describe(other)
                    ))
                }
            }
        }
    }

    /// The body of a top-level `{ … }` wrapper, after its `{`.
    fn block(&mut self) -> Result<Flow, ParseError> {
        loop {
            self.skip_space();
            match self.peek() {
                None => return Ok(Flow::Eof),
                Some('}') => {
                    self.bump();
                    return Ok(Flow::Closed);
                }
                _ if self.at_comment() => self.comment(),
                Some('/') => return self.err("unexpected '/' (comments start with '#' or '//')"),
                Some('{') => {
                    self.bump();
                    match self.block()? {
                        Flow::Eof => return Ok(Flow::Eof),
                        Flow::Closed => {
                            if self.after_inner_block()? == Next::Close {
                                return Ok(Flow::Closed);
                            }
                        }
                    }
                }
                Some(_) => {
                    if self.statement(Ctx::Block)? == After::Eof {
                        return Ok(Flow::Eof);
                    }
                    if self.block_value_end()? == Next::Close {
                        return Ok(Flow::Closed);
                    }
                }
            }
        }
    }

    fn block_value_end(&mut self) -> Result<Next, ParseError> {
        loop {
            match self.peek() {
                _ if self.at_comment() => self.comment(),
                Some(' ' | '\t' | '/') => {
                    self.bump();
                }
                Some('\n' | '\r' | ';' | ',') => {
                    self.bump();
                    return Ok(Next::More);
                }
                Some('}') => {
                    self.bump();
                    return Ok(Next::Close);
                }
                other => {
                    return self
                        .err(format!("expected a new line, ',' or '}}' after a value, found {}", describe(other)))
                }
            }
        }
    }

    fn after_inner_block(&mut self) -> Result<Next, ParseError> {
        loop {
            match self.peek() {
                _ if self.at_comment() => {
                    self.comment();
                    return Ok(Next::More);
                }
                Some(' ' | '\t' | '\n' | '\r' | '/') => {
                    self.bump();
                }
                Some(';' | ',') => {
                    self.bump();
                    return Ok(Next::More);
                }
                Some('}') => {
                    self.bump();
                    return Ok(Next::Close);
                }
                other => return self.err(format!("expected '}}' to close a block, found {}", describe(other))),
            }
        }
    }

    // ---- keys ----

    /// A key, its separator and its value (or an `include`), stored in the innermost map.
    fn statement(&mut self, ctx: Ctx) -> Result<After, ParseError> {
        let key_pos = self.here();
        let key = match self.key(ctx)? {
            KeyItem::Key(key) => key,
            KeyItem::Include => {
                self.include()?;
                return Ok(After::Value);
            }
            KeyItem::Eof => return Ok(After::Eof),
        };
        self.skip_space();
        match (ctx, self.peek()) {
            (Ctx::Map, Some('=' | ':')) => {
                self.bump();
                self.skip_space();
            }
            (Ctx::Map, _) => {}
            // A stray `}` read as a key at the end of a file is tolerated, as nats-server does.
            (_, None) if key == "}" => return Ok(After::Eof),
            (_, Some('=' | ':')) => {
                self.bump();
            }
            _ => {}
        }
        if ctx == Ctx::Map {
            match self.peek() {
                Some(',') => return self.err("unexpected ',' where a value is expected"),
                Some('}') | None => return Err(syntax(key_pos, format!("key '{key}' has no value"))),
                _ => {}
            }
        } else if self.peek().is_none() {
            return Err(syntax(key_pos, format!("key '{key}' has no value")));
        }
        let value = self.value()?;
        self.current_scope().insert(Entry { key, key_pos, value, used_as_variable: false });
        Ok(After::Value)
    }

    fn current_scope(&mut self) -> &mut Map {
        if self.scopes.is_empty() {
            self.scopes.push(Map::new());
        }
        let last = self.scopes.len() - 1;
        &mut self.scopes[last]
    }

    fn key(&mut self, ctx: Ctx) -> Result<KeyItem, ParseError> {
        match self.peek() {
            Some(quote @ ('"' | '\'')) => {
                let quote_pos = self.here();
                self.bump();
                let start = self.pos;
                loop {
                    match self.peek() {
                        None if ctx != Ctx::Map && self.pos == start => return Ok(KeyItem::Eof),
                        None => return Err(syntax(quote_pos, "unterminated quoted key")),
                        Some(c) if c == quote => {
                            let key = self.src[start..self.pos].to_string();
                            self.bump();
                            return Ok(KeyItem::Key(key));
                        }
                        Some(_) => {
                            self.bump();
                        }
                    }
                }
            }
            Some('=' | ':') => self.err("unexpected key separator where a key is expected"),
            _ => {
                let start = self.pos;
                self.bump();
                loop {
                    match self.peek() {
                        None if ctx == Ctx::Map => return self.err("unexpected end of file in a map key"),
                        None | Some('=' | ':') => break,
                        Some(c) if c.is_whitespace() => {
                            if self.src[start..self.pos].eq_ignore_ascii_case("include") {
                                return Ok(KeyItem::Include);
                            }
                            break;
                        }
                        Some(_) => {
                            self.bump();
                        }
                    }
                }
                Ok(KeyItem::Key(self.src[start..self.pos].to_string()))
            }
        }
    }

    // ---- include ----

    fn include(&mut self) -> Result<(), ParseError> {
        self.skip_blanks();
        let pos = self.here();
        let target = match self.peek() {
            Some(quote @ ('"' | '\'')) => {
                self.bump();
                let start = self.pos;
                loop {
                    match self.bump() {
                        None => return Err(syntax(pos, "unterminated quoted include path")),
                        Some(c) if c == quote => break,
                        Some(_) => {}
                    }
                }
                self.src[start..self.pos - 1].to_string()
            }
            Some('[') => return self.err("expected an include path but found the start of an array"),
            Some('{') => return self.err("expected an include path but found the start of a map"),
            Some('(') => return self.err("expected an include path but found the start of a block"),
            Some('\\') => return self.err("expected an include path but found an escape sequence"),
            Some('\n' | '\r') => return self.err("expected an include path but found a new line"),
            Some(c) if c.is_ascii_digit() || c == '-' => {
                return self.err("expected an include path but found the start of a number")
            }
            _ => {
                let start = self.pos;
                while let Some(c) = self.peek() {
                    if matches!(c, '\n' | '\r' | ';' | '}' | ' ' | '\t' | '\'') {
                        break;
                    }
                    self.bump();
                }
                let target = self.src[start..self.pos].to_string();
                if self.peek() == Some('\'') {
                    self.bump();
                }
                target
            }
        };
        if target.is_empty() {
            return Err(syntax(pos, "include needs a file name"));
        }
        let map = self.parse_included(&target, &pos)?;
        let scope = self.current_scope();
        for entry in map.into_entries() {
            scope.insert(entry);
        }
        Ok(())
    }

    fn parse_included(&mut self, target: &str, pos: &Pos) -> Result<Map, ParseError> {
        let path = self.base_dir.join(target);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            syntax(pos.clone(), format!("cannot read include file '{target}' ({}): {e}", path.display()))
        })?;
        let canon = canonical(&path);
        if self.shared.including.contains(&canon) {
            return Err(syntax(pos.clone(), format!("include cycle: '{target}' is already being read")));
        }
        self.shared.including.push(canon);
        let result = Parser::new(&text, &path, self.shared).run();
        self.shared.including.pop();
        result.map_err(|e| match e {
            ParseError::Syntax { pos: inner, message } => syntax(inner, format!("{message} (included at {pos})")),
            other => other,
        })
    }

    // ---- values ----

    fn value(&mut self) -> Result<Value, ParseError> {
        self.skip_blanks();
        let pos = self.here();
        let kind = match self.peek() {
            Some(c @ ('[' | '{')) => {
                if self.depth >= MAX_DEPTH {
                    return self.err(format!("values are nested more than {MAX_DEPTH} levels deep"));
                }
                self.bump();
                self.depth += 1;
                let kind = if c == '[' { self.array().map(Kind::Array) } else { self.map().map(Kind::Map) };
                self.depth -= 1;
                kind?
            }
            Some('\'') => {
                self.bump();
                Kind::String(self.single_quoted(&pos)?)
            }
            Some('"') => {
                self.bump();
                Kind::String(self.double_quoted(&pos)?)
            }
            Some('(') => {
                self.bump();
                Kind::String(self.block_string(&pos)?)
            }
            Some('-') => return self.negative_number(pos),
            Some(c) if c.is_ascii_digit() => return self.number(pos),
            Some('.') => return self.err("floats must start with a digit"),
            Some('\n' | '\r') => return self.err("expected a value but found a new line"),
            _ => return self.unquoted(pos, Vec::new()),
        };
        Ok(Value { kind, pos })
    }

    fn array(&mut self) -> Result<Vec<Value>, ParseError> {
        let mut items = Vec::new();
        loop {
            self.skip_space();
            match self.peek() {
                _ if self.at_comment() => self.comment(),
                Some(']') => {
                    self.bump();
                    return Ok(items);
                }
                Some(c @ (',' | '/')) => return self.err(format!("unexpected '{c}' where an array value is expected")),
                None => return self.err("unexpected end of file in an array"),
                Some(_) => {
                    items.push(self.value()?);
                    if self.array_value_end()? == Next::Close {
                        return Ok(items);
                    }
                }
            }
        }
    }

    fn array_value_end(&mut self) -> Result<Next, ParseError> {
        loop {
            match self.peek() {
                _ if self.at_comment() => self.comment(),
                Some(' ' | '\t') => {
                    self.bump();
                }
                Some(',' | '\n' | '\r' | '/') => {
                    self.bump();
                    return Ok(Next::More);
                }
                Some(']') => {
                    self.bump();
                    return Ok(Next::Close);
                }
                other => {
                    return self.err(format!("expected ',' or ']' after an array value, found {}", describe(other)))
                }
            }
        }
    }

    fn map(&mut self) -> Result<Map, ParseError> {
        self.scopes.push(Map::new());
        let result = self.map_body();
        let map = self.scopes.pop().unwrap_or_default();
        result.map(|()| map)
    }

    fn map_body(&mut self) -> Result<(), ParseError> {
        loop {
            match self.peek() {
                Some(c) if c.is_whitespace() => {
                    self.bump();
                }
                _ if self.at_comment() => self.comment(),
                Some('}') => {
                    self.bump();
                    return Ok(());
                }
                Some('=' | ':') => return self.err("unexpected key separator where a key is expected"),
                Some(']') => return self.err("unexpected ']' in a map"),
                // nats-server drops a lone '/' before a key.
                Some('/') => {
                    self.bump();
                }
                None => return self.err("unexpected end of file in a map"),
                Some(_) => {
                    self.statement(Ctx::Map)?;
                    if self.map_value_end()? == Next::Close {
                        return Ok(());
                    }
                }
            }
        }
    }

    fn map_value_end(&mut self) -> Result<Next, ParseError> {
        loop {
            match self.peek() {
                _ if self.at_comment() => self.comment(),
                Some(' ' | '\t') => {
                    self.bump();
                }
                Some(';' | ',' | '\n' | '\r' | '/') => {
                    self.bump();
                    return Ok(Next::More);
                }
                Some('}') => {
                    self.bump();
                    return Ok(Next::Close);
                }
                other => return self.err(format!("expected ',' or '}}' after a map value, found {}", describe(other))),
            }
        }
    }

    // ---- strings ----

    fn single_quoted(&mut self, pos: &Pos) -> Result<String, ParseError> {
        let start = self.pos;
        loop {
            match self.bump() {
                None => return Err(syntax(pos.clone(), "unterminated string")),
                Some('\'') => return Ok(self.src[start..self.pos - 1].to_string()),
                Some(_) => {}
            }
        }
    }

    fn double_quoted(&mut self, pos: &Pos) -> Result<String, ParseError> {
        let mut text = Vec::new();
        loop {
            match self.bump() {
                None => return Err(syntax(pos.clone(), "unterminated string")),
                Some('"') => return utf8(text, pos),
                Some('\\') => self.escape(&mut text)?,
                Some(c) => push_char(&mut text, c),
            }
        }
    }

    /// After a `\`: appends the escaped character.
    fn escape(&mut self, text: &mut Vec<u8>) -> Result<(), ParseError> {
        match self.bump() {
            Some('x') => {
                let hi = self.bump();
                let lo = self.bump();
                match (hi.and_then(|c| c.to_digit(16)), lo.and_then(|c| c.to_digit(16))) {
                    (Some(h), Some(l)) => text.push(u8::try_from(h * 16 + l).unwrap_or(0)),
                    _ => return self.err("expected two hexadecimal digits after '\\x'"),
                }
            }
            Some('t') => text.push(b'\t'),
            Some('n') => text.push(b'\n'),
            Some('r') => text.push(b'\r'),
            Some('"') => text.push(b'"'),
            Some('\\') => text.push(b'\\'),
            other => {
                return self.err(format!(
                    "invalid escape {}: only \\xXX, \\t, \\n, \\r, \\\" and \\\\ are allowed",
                    describe(other)
                ))
            }
        }
        Ok(())
    }

    fn block_string(&mut self, pos: &Pos) -> Result<String, ParseError> {
        let start = self.pos;
        let mut prev = '(';
        loop {
            match self.bump() {
                None => return Err(syntax(pos.clone(), "unterminated block: it must end with ')' alone on a line")),
                Some(')') if prev == '\n' && matches!(self.peek(), None | Some('\n')) => {
                    return Ok(self.src[start..self.pos - 1].to_string());
                }
                Some(c) => prev = c,
            }
        }
    }

    /// An unquoted string (which may turn out to be a boolean or a `$variable`); `text` holds what a
    /// number reader already consumed before deciding this is a string.
    fn unquoted(&mut self, pos: Pos, mut text: Vec<u8>) -> Result<Value, ParseError> {
        let mut escaped = false;
        loop {
            match self.peek() {
                Some('\\') => {
                    self.bump();
                    self.escape(&mut text)?;
                    escaped = true;
                }
                None | Some('\n' | '\r' | ';' | ',' | ']' | '}' | ' ' | '\t') => break,
                Some('\'') => {
                    self.bump();
                    let kind = Kind::String(utf8(text, &pos)?);
                    return Ok(Value { kind, pos });
                }
                Some(c) => {
                    self.bump();
                    push_char(&mut text, c);
                }
            }
        }
        let text = utf8(text, &pos)?;
        if escaped {
            return Ok(Value { kind: Kind::String(text), pos });
        }
        if let Some(b) = bool_word(&text) {
            return Ok(Value { kind: Kind::Bool(b), pos });
        }
        if let Some(name) = text.strip_prefix('$') {
            return self.variable(name, pos);
        }
        Ok(Value { kind: Kind::String(text), pos })
    }

    // ---- numbers ----

    fn number(&mut self, pos: Pos) -> Result<Value, ParseError> {
        let start = self.pos;
        self.bump();
        loop {
            match self.peek() {
                Some('-') => {
                    self.bump();
                    if self.pos - start != 5 {
                        return self.err("dates must be in full ISO 8601 Zulu form, such as 2006-01-02T15:04:05Z");
                    }
                    return self.datetime(pos, start);
                }
                Some(c) if c.is_ascii_digit() => {
                    self.bump();
                }
                Some('.') => {
                    self.bump();
                    return self.float_or_address(pos, start);
                }
                Some(c) if is_size_suffix(c) => {
                    self.bump();
                    return self.suffixed(pos, start);
                }
                c if ends_number(c) => return self.integer(pos, start),
                _ => {
                    self.bump();
                    let text = self.src.as_bytes()[start..self.pos].to_vec();
                    return self.unquoted(pos, text);
                }
            }
        }
    }

    fn negative_number(&mut self, pos: Pos) -> Result<Value, ParseError> {
        let start = self.pos;
        self.bump();
        match self.peek() {
            Some(c) if c.is_ascii_digit() => {}
            Some('.') => return self.err("floats must start with a digit"),
            other => return self.err(format!("expected a digit after '-', found {}", describe(other))),
        }
        loop {
            match self.peek() {
                Some(c) if c.is_ascii_digit() => {
                    self.bump();
                }
                Some('.') => {
                    self.bump();
                    return self.float_or_address(pos, start);
                }
                Some(c) if is_size_suffix(c) => {
                    self.bump();
                    return self.suffixed(pos, start);
                }
                _ => return self.integer(pos, start),
            }
        }
    }

    /// After `digits.`: a float, or an IP address (with optional `:port`) when a second `.` follows.
    fn float_or_address(&mut self, pos: Pos, start: usize) -> Result<Value, ParseError> {
        match self.peek() {
            Some(c) if c.is_ascii_digit() => {}
            other => return self.err(format!("floats must have a digit after the '.', found {}", describe(other))),
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
        }
        if self.peek() == Some('.') {
            self.bump();
            while matches!(self.peek(), Some('0'..='9' | '.' | ':' | '-')) {
                self.bump();
            }
            let kind = Kind::String(self.src[start..self.pos].to_string());
            return Ok(Value { kind, pos });
        }
        let text = &self.src[start..self.pos];
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value { kind: Kind::Float(f), pos }),
            _ => Err(syntax(pos, format!("float '{text}' is out of range"))),
        }
    }

    /// After `digits` and a size letter: an integer with a suffix, or a string such as `500ms`.
    fn suffixed(&mut self, pos: Pos, start: usize) -> Result<Value, ParseError> {
        while matches!(self.peek(), Some('b' | 'B' | 'i' | 'I')) {
            self.bump();
        }
        let next = self.peek();
        if ends_number(next) || next.is_some_and(|c| c.is_ascii_digit()) {
            return self.integer(pos, start);
        }
        let text = self.src.as_bytes()[start..self.pos].to_vec();
        self.unquoted(pos, text)
    }

    fn integer(&self, pos: Pos, start: usize) -> Result<Value, ParseError> {
        let text = &self.src[start..self.pos];
        match integer_value(text) {
            Ok(n) => Ok(Value { kind: Kind::Integer(n), pos }),
            Err(message) => Err(syntax(pos, message)),
        }
    }

    fn datetime(&mut self, pos: Pos, start: usize) -> Result<Value, ParseError> {
        const SHAPE: &str = "00-00T00:00:00Z";
        for expected in SHAPE.chars() {
            let found = self.bump();
            let ok = match expected {
                '0' => found.is_some_and(|c| c.is_ascii_digit()),
                c => found == Some(c),
            };
            if !ok {
                return self.err(format!(
                    "invalid ISO 8601 datetime: expected {} but found {}",
                    if expected == '0' { "a digit".to_string() } else { format!("'{expected}'") },
                    describe(found)
                ));
            }
        }
        let text = &self.src[start..self.pos];
        let field = |range: std::ops::Range<usize>| text[range].parse::<u32>().unwrap_or(0);
        let (month, day, hour, minute, second) =
            (field(5..7), field(8..10), field(11..13), field(14..16), field(17..19));
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 59 {
            return Err(syntax(pos, format!("invalid datetime '{text}'")));
        }
        Ok(Value { kind: Kind::Datetime(text.to_string()), pos })
    }

    // ---- variables ----

    fn variable(&mut self, name: &str, pos: Pos) -> Result<Value, ParseError> {
        if name.starts_with("2a$") {
            return Ok(Value { kind: Kind::String(format!("${name}")), pos });
        }
        for scope in self.scopes.iter_mut().rev() {
            if let Some(entry) = scope.get_mut(name) {
                entry.used_as_variable = true;
                let mut value = entry.value.clone();
                value.pos = pos;
                return Ok(value);
            }
        }
        if self.shared.resolving.iter().any(|n| n == name) {
            return Err(syntax(pos, format!("variable reference cycle for '${name}'")));
        }
        let Some(text) = (self.shared.env)(name) else {
            return Err(syntax(pos, format!("variable '${name}' is not defined in this file or in the environment")));
        };
        self.shared.resolving.push(name.to_string());
        let source = format!("pk={text}");
        let origin = PathBuf::from(format!("${name}"));
        let result = Parser::new(&source, &origin, self.shared).run();
        self.shared.resolving.pop();
        let map = result.map_err(|e| {
            let detail = match e {
                ParseError::Syntax { message, .. } => message,
                other => other.to_string(),
            };
            syntax(pos.clone(), format!("environment variable '{name}' could not be parsed: {detail}"))
        })?;
        let mut value = map
            .into_entries()
            .into_iter()
            .find(|e| e.key == "pk")
            .map(|e| e.value)
            .unwrap_or(Value { kind: Kind::String(String::new()), pos: pos.clone() });
        relocate(&mut value, &pos);
        Ok(value)
    }
}

fn syntax(pos: Pos, message: impl Into<String>) -> ParseError {
    ParseError::Syntax { pos, message: message.into() }
}

/// Gives a value parsed from an environment variable the position of the `$reference`.
fn relocate(value: &mut Value, pos: &Pos) {
    value.pos = pos.clone();
    match &mut value.kind {
        Kind::Array(items) => items.iter_mut().for_each(|v| relocate(v, pos)),
        Kind::Map(map) => {
            let mut entries = std::mem::take(map).into_entries();
            for entry in &mut entries {
                entry.key_pos = pos.clone();
                relocate(&mut entry.value, pos);
            }
            for entry in entries {
                map.insert(entry);
            }
        }
        _ => {}
    }
}

fn describe(c: Option<char>) -> String {
    match c {
        None => "end of file".to_string(),
        Some('\n') => "a new line".to_string(),
        Some(c) => format!("'{}'", c.escape_debug()),
    }
}

fn push_char(text: &mut Vec<u8>, c: char) {
    let mut buf = [0u8; 4];
    text.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

fn utf8(text: Vec<u8>, pos: &Pos) -> Result<String, ParseError> {
    String::from_utf8(text).map_err(|_| syntax(pos.clone(), "string is not valid UTF-8"))
}

fn bool_word(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" => Some(true),
        "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

fn is_size_suffix(c: char) -> bool {
    matches!(c.to_ascii_lowercase(), 'k' | 'm' | 'g' | 't' | 'p' | 'e')
}

/// The characters that end a bare number (note: not `]`, as in nats-server).
fn ends_number(c: Option<char>) -> bool {
    matches!(c, None | Some('\n' | '\r' | '}' | ';' | ',' | ' ' | '\t'))
}

/// The value of an integer literal with an optional size suffix (`8k`, `2MB`, `64MiB`, `-1`).
fn integer_value(text: &str) -> Result<i64, String> {
    let digits_end = text.find(|c: char| !(c.is_ascii_digit() || c == '-')).unwrap_or(text.len());
    let (digits, suffix) = text.split_at(digits_end);
    let n: i64 = digits.parse().map_err(|e: std::num::ParseIntError| match e.kind() {
        std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => {
            format!("integer '{text}' is out of range")
        }
        _ => format!("expected an integer, found '{text}'"),
    })?;
    let multiplier: i64 = match suffix.to_ascii_lowercase().as_str() {
        "" => 1,
        "k" => 1000,
        "kb" | "ki" | "kib" => 1 << 10,
        "m" => 1000_i64.pow(2),
        "mb" | "mi" | "mib" => 1 << 20,
        "g" => 1000_i64.pow(3),
        "gb" | "gi" | "gib" => 1 << 30,
        "t" => 1000_i64.pow(4),
        "tb" | "ti" | "tib" => 1 << 40,
        "p" => 1000_i64.pow(5),
        "pb" | "pi" | "pib" => 1 << 50,
        "e" => 1000_i64.pow(6),
        "eb" | "ei" | "eib" => 1 << 60,
        _ => return Err(format!("'{text}' has an unknown size suffix '{suffix}'")),
    };
    n.checked_mul(multiplier).ok_or_else(|| format!("integer '{text}' is out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn parse(text: &str) -> Map {
        match parse_str_with_env(text, Path::new("test.conf"), &no_env) {
            Ok(map) => map,
            Err(e) => panic!("parse failed: {e}\n---\n{text}"),
        }
    }

    fn parse_err(text: &str) -> String {
        match parse_str_with_env(text, Path::new("test.conf"), &no_env) {
            Ok(map) => panic!("expected an error, got {map:?}"),
            Err(e) => e.to_string(),
        }
    }

    /// A compact rendering of a value tree for assertions.
    fn show(value: &Value) -> String {
        match &value.kind {
            Kind::String(s) => format!("{s:?}"),
            Kind::Integer(n) => n.to_string(),
            Kind::Float(f) => format!("{f:?}"),
            Kind::Bool(b) => b.to_string(),
            Kind::Datetime(d) => format!("@{d}"),
            Kind::Array(items) => format!("[{}]", items.iter().map(show).collect::<Vec<_>>().join(", ")),
            Kind::Map(map) => show_map(map),
        }
    }

    fn show_map(map: &Map) -> String {
        let body: Vec<String> = map.entries().iter().map(|e| format!("{}: {}", e.key, show(&e.value))).collect();
        format!("{{{}}}", body.join(", "))
    }

    fn top(text: &str) -> String {
        show_map(&parse(text))
    }

    #[test]
    fn key_separators_equals_colon_and_space_are_equivalent() {
        assert_eq!(top("a = 1\nb: 2\nc 3\nd=4\ne:5"), "{a: 1, b: 2, c: 3, d: 4, e: 5}");
    }

    #[test]
    fn quoted_keys_may_contain_spaces_and_separators() {
        assert_eq!(top("\"a b\": 1\n'c:d' = 2"), "{a b: 1, c:d: 2}");
    }

    #[test]
    fn semicolons_and_commas_end_top_level_values() {
        assert_eq!(top("foo='1'; bar=2.2; baz=true; boo=22"), "{foo: \"1\", bar: 2.2, baz: true, boo: 22}");
        assert_eq!(top("a = 1, b = 2"), "{a: 1, b: 2}");
    }

    #[test]
    fn booleans_accept_every_nats_spelling_in_any_case() {
        assert_eq!(
            top("a=true\nb=TRUE\nc=yes\nd=on\ne=false\nf=No\ng=OFF"),
            "{a: true, b: true, c: true, d: true, e: false, f: false, g: false}"
        );
        // Quoted words stay strings.
        assert_eq!(top("a = \"true\""), "{a: \"true\"}");
    }

    #[test]
    fn size_suffixes_use_nats_multipliers() {
        let text = "k = 8k\nkb = 4kb\nki = 3ki\nkib = 4KiB\nm = 1m\nmb = 2MB\nmi = 2Mi\nmib = 64MiB\n\
                    g = 2g\ngb = 22GB\ngi = 22Gi\ngib = 22GiB\nt = 1t\ntb = 1TB\np = 1P\npb = 1pb\ne = 1e\neb = 1EB\n\
                    neg = -1GB\nup = 1K";
        assert_eq!(
            top(text),
            format!(
                "{{k: 8000, kb: 4096, ki: 3072, kib: 4096, m: 1000000, mb: {}, mi: {}, mib: {}, g: 2000000000, \
                 gb: {}, gi: {}, gib: {}, t: 1000000000000, tb: {}, p: 1000000000000000, pb: {}, \
                 e: 1000000000000000000, eb: {}, neg: {}, up: 1000}}",
                2 << 20,
                2 << 20,
                64 << 20,
                22_i64 << 30,
                22_i64 << 30,
                22_i64 << 30,
                1_i64 << 40,
                1_i64 << 50,
                1_i64 << 60,
                -(1_i64 << 30)
            )
        );
    }

    #[test]
    fn words_that_merely_start_with_a_number_are_strings() {
        assert_eq!(
            top("a = 1Ghz\nb = 2Pie\nc = 3Mbs,\nd = 3xyz\ne = 10s\nf = 1h30m\ng = 500ms\nh = 5Gø"),
            "{a: \"1Ghz\", b: \"2Pie\", c: \"3Mbs\", d: \"3xyz\", e: \"10s\", f: \"1h30m\", g: \"500ms\", h: \"5Gø\"}"
        );
    }

    #[test]
    fn an_unquoted_two_m_is_two_million_not_two_minutes() {
        assert_eq!(top("ping_interval: 2m"), "{ping_interval: 2000000}");
        assert_eq!(top("ping_interval: \"2m\""), "{ping_interval: \"2m\"}");
    }

    #[test]
    fn floats_negative_numbers_and_addresses() {
        assert_eq!(
            top("a = 0.5\nb = -1.25\nc = -7\nd = 127.0.0.1\ne = 127.0.0.1:4222\nf = :4222\ng = nats.io:-1"),
            "{a: 0.5, b: -1.25, c: -7, d: \"127.0.0.1\", e: \"127.0.0.1:4222\", f: \":4222\", g: \"nats.io:-1\"}"
        );
    }

    #[test]
    fn integer_overflow_and_bad_suffix_are_errors() {
        assert!(parse_err("a = 99999999999999999999").contains("out of range"));
        assert!(parse_err("a = 100EB").contains("out of range"));
        assert!(parse_err("a = 1kbb").contains("unknown size suffix"));
    }

    #[test]
    fn single_quoted_strings_are_raw_and_may_span_lines() {
        let map = parse("text = 'multi\nline \\n' # c\nexpr = '(true == \"false\")'");
        assert_eq!(show_map(&map), "{text: \"multi\\nline \\\\n\", expr: \"(true == \\\"false\\\")\"}");
    }

    #[test]
    fn double_quoted_strings_process_escapes() {
        assert_eq!(top(r#"a = "t\tn\nr\rq\"b\\x\x41""#), "{a: \"t\\tn\\nr\\rq\\\"b\\\\xA\"}");
        assert!(parse_err(r#"a = "\q""#).contains("invalid escape"));
        assert!(parse_err(r#"a = "\x4""#).contains("hexadecimal"));
    }

    #[test]
    fn unquoted_strings_keep_punctuation_and_process_escapes() {
        assert_eq!(
            top("a = nats://u:p@host:4222/x#y\nb = foo\\tbar\nc = $2a$11$ooo"),
            "{a: \"nats://u:p@host:4222/x#y\", b: \"foo\\tbar\", c: \"$2a$11$ooo\"}"
        );
    }

    #[test]
    fn empty_strings() {
        assert_eq!(top("a = \"\"\nb = ''"), "{a: \"\", b: \"\"}");
    }

    #[test]
    fn block_strings_end_at_a_lone_closing_paren() {
        let map = parse("text (\n  line (one)\n  line two\n)\nafter = 1");
        assert_eq!(show_map(&map), "{text: \"\\n  line (one)\\n  line two\\n\", after: 1}");
        assert!(parse_err("text (\n no end )").contains("unterminated block"));
    }

    #[test]
    fn datetimes_must_be_full_zulu() {
        assert_eq!(top("now = 2016-05-04T18:53:41Z"), "{now: @2016-05-04T18:53:41Z}");
        assert!(parse_err("now = 2016-05-04").contains("ISO 8601"));
        assert!(parse_err("now = 16-05-04").contains("Zulu"));
    }

    #[test]
    fn arrays_inline_multiline_with_comments_and_without_separators() {
        assert_eq!(top("a = [1, 2,3,'bar']"), "{a: [1, 2, 3, \"bar\"]}");
        let text = "# top\nfoo = [\n 1, # One\n 2, // Two\n 3 # Three\n 'bar'     ,\n \"bar\"\n]\n";
        assert_eq!(top(text), "{foo: [1, 2, 3, \"bar\", \"bar\"]}");
        let text = "foo = [\n 1 // foo\n 2\n 3\n 'bar'\n \"bar\"\n]\n";
        assert_eq!(top(text), "{foo: [1, 2, 3, \"bar\", \"bar\"]}");
        assert_eq!(top("a = [x, y,]\nb = []"), "{a: [\"x\", \"y\"], b: []}");
        assert_eq!(
            top("listen = [localhost:4222, localhost:4333]"),
            "{listen: [\"localhost:4222\", \"localhost:4333\"]}"
        );
    }

    #[test]
    fn a_bare_number_right_before_a_closing_bracket_is_rejected_like_nats_server() {
        // nats-server 2.9.10 rejects `server_tags = [1]` and `[1, 2]` with a parse error.
        assert!(parse_err("a = [1]\n").contains("end of file in an array"));
        assert!(parse_err("a = [1, 2]\n").contains("end of file in an array"));
        assert!(parse_err("a = [1]\nb = 2\n").contains("expected ',' or ']'"));
        assert_eq!(top("a = [1 ]"), "{a: [1]}");
    }

    #[test]
    fn arrays_of_maps_and_nested_maps() {
        let text = "authorization {\n    users = [\n      {user: alice, password: foo}\n      \
                    {user: bob,   password: bar}\n    ]\n    timeout: 0.5\n}\n";
        assert_eq!(
            top(text),
            "{authorization: {users: [{user: \"alice\", password: \"foo\"}, {user: \"bob\", password: \"bar\"}], timeout: 0.5}}"
        );
        let text =
            "foo  {\n  host {\n    ip   = '127.0.0.1'\n    port = 4242\n  }\n  servers = [ \"a.com\", \"b.com\"]\n}\n";
        assert_eq!(top(text), "{foo: {host: {ip: \"127.0.0.1\", port: 4242}, servers: [\"a.com\", \"b.com\"]}}");
    }

    #[test]
    fn maps_accept_every_separator_and_terminator() {
        assert_eq!(top("foo = {ip='127.0.0.1', port = 4242}"), "{foo: {ip: \"127.0.0.1\", port: 4242}}");
        assert_eq!(top("foo {a 1; b: 2\n c = 3,}"), "{foo: {a: 1, b: 2, c: 3}}");
        assert_eq!(top("foo: { bar: { baz: 1 } }"), "{foo: {bar: {baz: 1}}}");
        assert_eq!(top("m {\n  foo = 3xyz}\n"), "{m: {foo: \"3xyz\"}}");
        // Inside a map the value may start on the next line.
        assert_eq!(top("m {\n a =\n 1\n}"), "{m: {a: 1}}");
    }

    #[test]
    fn a_value_must_follow_the_separator_on_the_same_line_at_top_level() {
        let err = parse_err("a =\n1");
        assert!(err.starts_with("test.conf:1: expected a value but found a new line"), "{err}");
        // Without a separator, the key and value may be split.
        assert_eq!(top("a\n1"), "{a: 1}");
    }

    #[test]
    fn comments_of_both_styles_everywhere() {
        let text = "# hash\n// slashes\na = 1 # trailing\nb = 2 // trailing\nm { # open\n  c = 3 // x\n  # inner\n}\n";
        assert_eq!(top(text), "{a: 1, b: 2, m: {c: 3}}");
        assert_eq!(top("# only comments\n\n"), "{}");
        assert_eq!(top(""), "{}");
    }

    #[test]
    fn json_shaped_files_load() {
        let text = r#"
            {
              "http_port": 8227,
              "port": 4227,
              "write_deadline": "1h",
              "cluster": {
                "port": 6222,
                "routes": [
                  "nats://127.0.0.1:4222",
                  "nats://127.0.0.1:4223"
                ]
              }
            }
        "#;
        assert_eq!(
            top(text),
            "{http_port: 8227, port: 4227, write_deadline: \"1h\", cluster: {port: 6222, routes: [\"nats://127.0.0.1:4222\", \"nats://127.0.0.1:4223\"]}}"
        );
        assert_eq!(top("{}"), "{}");
        assert_eq!(top("{ listen: 0.0.0.0:4222 }"), "{listen: \"0.0.0.0:4222\"}");
        assert_eq!(top("{\n {\n  listen: 0.0.0.0:4222 // c\n }\n # w1\n}\n# w2\n"), "{listen: \"0.0.0.0:4222\"}");
        assert_eq!(top("accounts { users = [{}]}\n}\n"), "{accounts: {users: [{}]}}");
    }

    #[test]
    fn a_key_without_a_value_is_an_error_naming_its_line() {
        let err = parse_err("a = 1\n\n   lonely\n");
        assert_eq!(err, "test.conf:3: key 'lonely' has no value");
        assert!(parse_err("a,a,a").contains("has no value"));
    }

    #[test]
    fn unterminated_constructs_are_errors() {
        assert!(parse_err("a = \"open").contains("unterminated string"));
        assert!(parse_err("a = 'open").contains("unterminated string"));
        assert!(parse_err("a { b = 1").contains("end of file"));
        assert!(parse_err("a = [1, ").contains("end of file"));
    }

    #[test]
    fn values_and_keys_carry_their_line_and_column() {
        let map = parse("\n  port: 4222\nlist = [\n  a\n  b\n]\n");
        let port = map.get("port").expect("port");
        assert_eq!((port.key_pos.line, port.key_pos.column), (2, 3));
        assert_eq!((port.value.pos.line, port.value.pos.column), (2, 9));
        let Kind::Array(items) = &map.get("list").expect("list").value.kind else { panic!("array") };
        assert_eq!(items[0].pos.line, 4);
        assert_eq!(items[1].pos.line, 5);
    }

    #[test]
    fn variables_take_the_latest_definition_in_block_scope() {
        let text = "index = 22\nfoo = $index\nnest {\n  index = 11\n  foo = $index\n  deep { bar = $index }\n}\nbar = $index\n";
        assert_eq!(top(text), "{index: 22, foo: 22, nest: {index: 11, foo: 11, deep: {bar: 11}}, bar: 22}");
    }

    #[test]
    fn variables_can_hold_maps_and_arrays() {
        let text = "USERS = [ {user: a} ]\naccounts { A { users = $USERS } }";
        assert_eq!(top(text), "{USERS: [{user: \"a\"}], accounts: {A: {users: [{user: \"a\"}]}}}");
    }

    #[test]
    fn used_variables_are_marked_and_take_the_reference_position() {
        let map = parse("PASS = secret\nunused = 1\nauth {\n  password = $PASS\n}\n");
        assert!(map.get("PASS").expect("PASS").used_as_variable);
        assert!(!map.get("unused").expect("unused").used_as_variable);
        let Kind::Map(auth) = &map.get("auth").expect("auth").value.kind else { panic!("map") };
        assert_eq!(auth.get("password").expect("password").value.pos.line, 4);
    }

    #[test]
    fn an_undefined_variable_is_an_error_naming_its_line() {
        let err = parse_err("a = 1\nb = $missing\n");
        assert_eq!(err, "test.conf:2: variable '$missing' is not defined in this file or in the environment");
    }

    #[test]
    fn environment_variables_are_parsed_as_values() {
        let env = |name: &str| match name {
            "NUM" => Some("22".to_string()),
            "WORD" => Some("xyz".to_string()),
            "SIZE" => Some("3Gyz".to_string()),
            "QUOTED" => Some("'3 x'".to_string()),
            "INDIRECT" => Some("$WORD".to_string()),
            "LOOP" => Some("$LOOP".to_string()),
            "BAD" => Some("a b".to_string()),
            _ => None,
        };
        let map = parse_str_with_env(
            "a = $NUM\nb = $WORD\nc = $SIZE\nd = $QUOTED\ne = $INDIRECT\n",
            Path::new("env.conf"),
            &env,
        )
        .expect("parse");
        assert_eq!(show_map(&map), "{a: 22, b: \"xyz\", c: \"3Gyz\", d: \"3 x\", e: \"xyz\"}");
        assert_eq!(map.get("a").expect("a").value.pos.line, 1);
        let err = parse_str_with_env("x = 1\na = $LOOP", Path::new("env.conf"), &env).expect_err("cycle").to_string();
        assert!(err.starts_with("env.conf:2:") && err.contains("cycle"), "{err}");
        let err = parse_str_with_env("a = $BAD", Path::new("env.conf"), &env).expect_err("bad").to_string();
        assert!(err.contains("could not be parsed"), "{err}");
    }

    #[test]
    fn the_process_environment_is_consulted() {
        let name = "SWITCHYARD_CONFIG_PARSE_TEST_VAR";
        std::env::set_var(name, "4333");
        let map = parse_str(&format!("port = ${name}"), Path::new("x.conf")).expect("parse");
        std::env::remove_var(name);
        assert_eq!(show_map(&map), "{port: 4333}");
    }

    fn temp_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("switchyard-parse-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).expect("mkdir");
        dir
    }

    #[test]
    fn includes_are_relative_to_the_including_file_and_merge_into_the_current_map() {
        let dir = temp_dir("include");
        std::fs::write(
            dir.join("main.conf"),
            "listen: 127.0.0.1:4222\nauthorization {\n  include ./sub/passwords.conf\n  users = [ {user: alice, password: $ALICE_PASS} ]\n}\ninclude 'sub/more.conf'\n",
        )
        .expect("write");
        std::fs::write(dir.join("sub/passwords.conf"), "ALICE_PASS: \"$2a$10$abc\"\ntimeout: 0.5\n").expect("write");
        std::fs::write(dir.join("sub/more.conf"), "include \"deeper.conf\"\n").expect("write");
        std::fs::write(dir.join("sub/deeper.conf"), "\n\nport = 4333\n").expect("write");
        let map = parse_file(&dir.join("main.conf")).expect("parse");
        assert_eq!(
            show_map(&map),
            "{listen: \"127.0.0.1:4222\", authorization: {ALICE_PASS: \"$2a$10$abc\", timeout: 0.5, users: [{user: \"alice\", password: \"$2a$10$abc\"}]}, port: 4333}"
        );
        let port = map.get("port").expect("port");
        assert!(port.key_pos.file.ends_with("sub/deeper.conf"), "{}", port.key_pos);
        assert_eq!(port.key_pos.line, 3);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn missing_and_cyclic_includes_are_errors_naming_the_include_line() {
        let dir = temp_dir("include-err");
        std::fs::write(dir.join("a.conf"), "x = 1\ninclude nothere.conf\n").expect("write");
        let err = parse_file(&dir.join("a.conf")).expect_err("missing").to_string();
        assert!(err.contains("a.conf:2: cannot read include file 'nothere.conf'"), "{err}");
        std::fs::write(dir.join("b.conf"), "include c.conf\n").expect("write");
        std::fs::write(dir.join("c.conf"), "y = 2\ninclude b.conf\n").expect("write");
        let err = parse_file(&dir.join("b.conf")).expect_err("cycle").to_string();
        assert!(err.contains("c.conf:2: include cycle"), "{err}");
        std::fs::write(dir.join("d.conf"), "m {\n include bad.conf\n}\n").expect("write");
        std::fs::write(dir.join("bad.conf"), "ok = 1\noops = \"open\n").expect("write");
        let err = parse_file(&dir.join("d.conf")).expect_err("bad include").to_string();
        assert!(err.contains("bad.conf:2: unterminated string (included at"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_missing_main_file_is_a_read_error() {
        let err = parse_file(Path::new("/nonexistent/switchyard.conf")).expect_err("missing");
        assert!(matches!(err, ParseError::Read { .. }));
    }

    #[test]
    fn absurd_nesting_is_an_error_not_a_crash() {
        let deep = format!("a = {}", "[".repeat(10_000));
        assert!(parse_err(&deep).contains("nested more than"));
        let fine = format!("a = {}1 {}", "[".repeat(100), "]".repeat(100));
        assert!(parse_str_with_env(&fine, Path::new("t.conf"), &no_env).is_ok());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_input_never_panics(text in "[ -~\\t\\n{}\\[\\]$\"'#/:=,;()é-]{0,200}") {
            let _ = parse_str_with_env(&text, Path::new("fuzz.conf"), &no_env);
        }

        #[test]
        fn generated_key_values_round_trip(
            entries in proptest::collection::vec(("[a-z][a-z0-9_]{0,8}", -100_000i64..100_000, "[a-zA-Z ]{0,12}"), 1..8),
            sep in proptest::sample::select(vec![" = ", ": ", " "]),
        ) {
            let mut text = String::new();
            for (i, (key, n, s)) in entries.iter().enumerate() {
                text.push_str(&format!("{key}_{i}{sep}{n}\ns_{key}_{i}{sep}\"{s}\"\n"));
            }
            let map = parse_str_with_env(&text, Path::new("gen.conf"), &no_env).expect("parse");
            for (i, (key, n, s)) in entries.iter().enumerate() {
                let int = map.get(&format!("{key}_{i}")).expect("int key");
                proptest::prop_assert_eq!(&int.value.kind, &Kind::Integer(*n));
                proptest::prop_assert_eq!(int.key_pos.line as usize, 2 * i + 1);
                let string = map.get(&format!("s_{key}_{i}")).expect("string key");
                proptest::prop_assert_eq!(&string.value.kind, &Kind::String(s.clone()));
            }
        }
    }

    #[test]
    fn repeated_keys_keep_the_last_value() {
        assert_eq!(top("a = 1\nb = 2\na = 3"), "{a: 3, b: 2}");
    }
}
