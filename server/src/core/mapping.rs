//! Subject transforms and the subject mappings built from them.
//!
//! A [`Transform`] rewrites subjects matching a source pattern into a destination template, with
//! nats-server's template language: `$1` / `{{wildcard(1)}}` for the token under the first `*`, a
//! trailing `>` for the rest, and the functions `partition`, `split`, `splitfromleft`,
//! `splitfromright`, `slicefromleft`, `slicefromright`, `left`, `right` and `random` (nats-server
//! `subject_transform.go`; partitions hash with 32-bit FNV-1a as it does, so the same subject lands in
//! the same partition on both). JetStream uses transforms for stream, mirror and source subject
//! transforms and for republish.
//!
//! A [`Mapping`] is one entry of the `mappings { … }` block: a source and weighted destinations, the
//! weights' remainder keeping the original subject. [`Mappings`] holds them in configuration order,
//! compiled once at startup; the router asks [`Mappings::apply`] (through a per-publisher
//! [`MappingCache`]) for the subject a client's publish really goes to, before looking up subscribers.
//!
//! Everything works on subject bytes; nothing here routes, validates permissions or knows about
//! accounts or clusters (cluster-scoped destinations are accepted and never chosen, as on a server
//! outside a cluster).

use std::collections::HashMap;

use bytes::{BufMut, Bytes, BytesMut};

/// Why a transform or mapping cannot be built; each names the offending subject or token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MappingError {
    #[error("invalid source subject \"{0}\"")]
    InvalidSource(String),
    #[error("invalid destination subject \"{0}\"")]
    InvalidDestination(String),
    #[error("destination \"{0}\" may not contain a \"*\" wildcard")]
    WildcardInDestination(String),
    #[error("source \"{src}\" and destination \"{dest}\" must both end in \">\" or neither")]
    FullWildcardMismatch { src: String, dest: String },
    #[error("unknown mapping function in \"{0}\"")]
    UnknownFunction(String),
    #[error("not enough arguments in \"{0}\"")]
    NotEnoughArgs(String),
    #[error("too many arguments in \"{0}\"")]
    TooManyArgs(String),
    #[error("invalid argument in \"{0}\"")]
    InvalidArg(String),
    #[error("wildcard index out of range in \"{0}\"")]
    IndexOutOfRange(String),
    #[error("duplicate destination \"{0}\"")]
    DuplicateDestination(String),
    #[error("weights add up to {0}%, more than 100%")]
    WeightsOver100(u32),
}

/// One token of a destination template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(Bytes),
    /// The destination's trailing `>`: the source tokens from the source's `>` on.
    Rest,
    /// Source token at this position.
    Wildcard(usize),
    /// FNV-1a of the given source tokens (or of the whole subject when none) modulo `buckets`.
    Partition {
        buckets: u32,
        tokens: Vec<usize>,
    },
    SplitFromLeft(usize, i32),
    SplitFromRight(usize, i32),
    SliceFromLeft(usize, i32),
    SliceFromRight(usize, i32),
    Left(usize, i32),
    Right(usize, i32),
    Split(usize, Bytes),
    Random(u32),
}

/// A compiled subject transform `src` → `dest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transform {
    src: String,
    dest: String,
    src_tokens: Vec<Bytes>,
    parts: Vec<Part>,
    identity: bool,
}

impl Transform {
    /// Compiles a transform; an empty `src` means `>`. nats-server's rules: both sides valid subjects,
    /// no `*` in the destination, a trailing `>` on both or neither, every wildcard reference within
    /// the source's `*` count, and no token functions other than `partition` and `random` when the
    /// source has no wildcards.
    pub fn new(src: &str, dest: &str) -> Result<Transform, MappingError> {
        let src = if src.is_empty() { ">" } else { src };
        let src_tokens = tokens_of(src).ok_or_else(|| MappingError::InvalidSource(src.to_string()))?;
        let dest_tokens = tokens_of(dest).ok_or_else(|| MappingError::InvalidDestination(dest.to_string()))?;
        if dest_tokens.iter().any(|t| t == "*") {
            return Err(MappingError::WildcardInDestination(dest.to_string()));
        }
        for t in &dest_tokens {
            if !is_function_token(t) && t.bytes().any(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')) {
                return Err(MappingError::InvalidDestination(dest.to_string()));
            }
        }
        let src_fwc = src_tokens.last().is_some_and(|t| t == ">");
        let dest_fwc = dest_tokens.last().is_some_and(|t| t == ">");
        if src_fwc != dest_fwc {
            return Err(MappingError::FullWildcardMismatch { src: src.to_string(), dest: dest.to_string() });
        }
        // Position in the source of the n-th `*` (1-based n → index n - 1).
        let stars: Vec<usize> = src_tokens.iter().enumerate().filter(|(_, t)| *t == "*").map(|(i, _)| i).collect();
        let has_wildcards = !stars.is_empty() || src_fwc;
        let mut parts = Vec::with_capacity(dest_tokens.len());
        for token in &dest_tokens {
            let placeholder = parse_placeholder(token)?;
            let part = match placeholder {
                Placeholder::Literal if token == ">" => Part::Rest,
                Placeholder::Literal => Part::Literal(Bytes::copy_from_slice(token.as_bytes())),
                Placeholder::Random(n) => Part::Random(n),
                Placeholder::Partition(n, _) if !has_wildcards => Part::Partition { buckets: n, tokens: Vec::new() },
                _ if !has_wildcards => return Err(MappingError::IndexOutOfRange(token.clone())),
                Placeholder::Partition(n, refs) => {
                    let tokens = refs.iter().map(|&r| star_position(&stars, r, token)).collect::<Result<_, _>>()?;
                    Part::Partition { buckets: n, tokens }
                }
                Placeholder::Wildcard(r) => Part::Wildcard(star_position(&stars, r, token)?),
                Placeholder::IndexInt(kind, r, n) => {
                    let at = star_position(&stars, r, token)?;
                    match kind {
                        IntFn::SplitFromLeft => Part::SplitFromLeft(at, n),
                        IntFn::SplitFromRight => Part::SplitFromRight(at, n),
                        IntFn::SliceFromLeft => Part::SliceFromLeft(at, n),
                        IntFn::SliceFromRight => Part::SliceFromRight(at, n),
                        IntFn::Left => Part::Left(at, n),
                        IntFn::Right => Part::Right(at, n),
                    }
                }
                Placeholder::Split(r, sep) => Part::Split(star_position(&stars, r, token)?, sep),
            };
            parts.push(part);
        }
        Ok(Transform {
            identity: src == ">" && dest == ">",
            src: src.to_string(),
            dest: dest.to_string(),
            src_tokens: src_tokens.into_iter().map(|t| Bytes::copy_from_slice(t.as_bytes())).collect(),
            parts,
        })
    }

    /// Compiles the subject rewrite of an account import, where a `*` in the destination takes the
    /// source's next captured `*` token, in order (nats-server tokenizes import subjects this way):
    /// `a.*.*` → `x.*.*` is `a.*.*` → `x.$1.$2`. `$N` and the template functions work as in
    /// [`Transform::new`].
    pub fn for_import(src: &str, dest: &str) -> Result<Transform, MappingError> {
        let mut stars = 0;
        let dest: Vec<String> = dest
            .split('.')
            .map(|t| {
                if t == "*" {
                    stars += 1;
                    format!("${stars}")
                } else {
                    t.to_owned()
                }
            })
            .collect();
        Transform::new(src, &dest.join("."))
    }

    /// The destination as a subject pattern: its literal tokens, `*` for every token taken from or
    /// computed on the subject, and `>` for the rest (what the transform can produce, for cycle checks).
    pub fn destination_pattern(&self) -> String {
        let tokens: Vec<String> = self
            .parts
            .iter()
            .map(|p| match p {
                Part::Literal(b) => String::from_utf8_lossy(b).into_owned(),
                Part::Rest => ">".to_owned(),
                _ => "*".to_owned(),
            })
            .collect();
        tokens.join(".")
    }

    /// The source pattern (`>` when it was given empty).
    pub fn source(&self) -> &str {
        &self.src
    }

    /// The destination template.
    pub fn destination(&self) -> &str {
        &self.dest
    }

    /// Whether the same subject always maps to the same result (no `random`).
    pub fn is_deterministic(&self) -> bool {
        !self.parts.iter().any(|p| matches!(p, Part::Random(_)))
    }

    /// Whether `subject` (a literal subject) matches the source pattern.
    pub fn matches(&self, subject: &[u8]) -> bool {
        split_literal(subject).is_some_and(|t| pattern_matches(&self.src_tokens, &t))
    }

    /// The transformed subject, or `None` when `subject` is not a literal subject matching the source.
    pub fn apply(&self, subject: &[u8]) -> Option<Bytes> {
        if self.identity {
            return split_literal(subject).map(|_| Bytes::copy_from_slice(subject));
        }
        let tokens = split_literal(subject)?;
        pattern_matches(&self.src_tokens, &tokens).then(|| self.render(&tokens))
    }

    /// [`Transform::apply`] on text, for JetStream's string subjects; the subject unchanged when it does
    /// not match.
    pub fn apply_str(&self, subject: &str) -> Option<String> {
        self.apply(subject.as_bytes()).map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    /// Renders the destination for the tokens of a subject that matched the source.
    fn render(&self, tokens: &[&[u8]]) -> Bytes {
        let mut out = BytesMut::with_capacity(self.dest.len() + 32);
        let tok = |i: usize| tokens.get(i).copied().unwrap_or(b"");
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                out.put_u8(b'.');
            }
            match part {
                Part::Literal(b) => out.extend_from_slice(b),
                Part::Rest => {
                    let from = self.src_tokens.len() - 1;
                    for (j, t) in tokens.iter().enumerate().skip(from) {
                        if j > from {
                            out.put_u8(b'.');
                        }
                        out.extend_from_slice(t);
                    }
                }
                Part::Wildcard(at) => out.extend_from_slice(tok(*at)),
                Part::Partition { buckets, tokens: refs } => {
                    let hash = if refs.is_empty() {
                        fnv1a(tokens.iter().enumerate().flat_map(|(j, t)| {
                            let sep: &[u8] = if j > 0 { b"." } else { b"" };
                            sep.iter().chain(t.iter())
                        }))
                    } else {
                        fnv1a(refs.iter().flat_map(|&r| tok(r).iter()))
                    };
                    let bucket = if *buckets == 0 { 0 } else { hash % buckets };
                    out.extend_from_slice(bucket.to_string().as_bytes());
                }
                Part::SplitFromLeft(at, pos) => {
                    let t = tok(*at);
                    match usize::try_from(*pos) {
                        Ok(p) if p > 0 && p < t.len() => {
                            out.extend_from_slice(&t[..p]);
                            out.put_u8(b'.');
                            out.extend_from_slice(&t[p..]);
                        }
                        _ => out.extend_from_slice(t),
                    }
                }
                Part::SplitFromRight(at, pos) => {
                    let t = tok(*at);
                    match usize::try_from(*pos) {
                        Ok(p) if p > 0 && p < t.len() => {
                            out.extend_from_slice(&t[..t.len() - p]);
                            out.put_u8(b'.');
                            out.extend_from_slice(&t[t.len() - p..]);
                        }
                        _ => out.extend_from_slice(t),
                    }
                }
                Part::SliceFromLeft(at, size) => {
                    let t = tok(*at);
                    match usize::try_from(*size) {
                        Ok(n) if n > 0 && n < t.len() => {
                            let pieces: Vec<&[u8]> = t.chunks(n).collect();
                            out.extend_from_slice(&pieces.join(&b'.'));
                        }
                        _ => out.extend_from_slice(t),
                    }
                }
                Part::SliceFromRight(at, size) => {
                    let t = tok(*at);
                    match usize::try_from(*size) {
                        Ok(n) if n > 0 && n < t.len() => {
                            let rem = t.len() % n;
                            let mut pieces: Vec<&[u8]> = Vec::new();
                            if rem > 0 {
                                pieces.push(&t[..rem]);
                            }
                            pieces.extend(t[rem..].chunks(n));
                            out.extend_from_slice(&pieces.join(&b'.'));
                        }
                        _ => out.extend_from_slice(t),
                    }
                }
                Part::Left(at, size) => {
                    let t = tok(*at);
                    match usize::try_from(*size) {
                        Ok(n) if n > 0 && n < t.len() => out.extend_from_slice(&t[..n]),
                        _ => out.extend_from_slice(t),
                    }
                }
                Part::Right(at, size) => {
                    let t = tok(*at);
                    match usize::try_from(*size) {
                        Ok(n) if n > 0 && n < t.len() => out.extend_from_slice(&t[t.len() - n..]),
                        _ => out.extend_from_slice(t),
                    }
                }
                Part::Split(at, sep) => {
                    // Empty pieces vanish, so no token of the result is empty.
                    let pieces: Vec<&[u8]> = split_on(tok(*at), sep).into_iter().filter(|p| !p.is_empty()).collect();
                    out.extend_from_slice(&pieces.join(&b'.'));
                }
                Part::Random(n) => {
                    let v = if *n == 0 { 0 } else { fastrand::u32(..*n) };
                    out.extend_from_slice(v.to_string().as_bytes());
                }
            }
        }
        out.freeze()
    }
}

/// 32-bit FNV-1a, the hash nats-server's `partition` uses.
fn fnv1a<'a>(bytes: impl Iterator<Item = &'a u8>) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in bytes {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

fn split_on<'a>(t: &'a [u8], sep: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i + sep.len() <= t.len() {
        if &t[i..i + sep.len()] == sep {
            out.push(&t[start..i]);
            i += sep.len();
            start = i;
        } else {
            i += 1;
        }
    }
    out.push(&t[start..]);
    out
}

/// Tokens of a subject pattern: `None` when a token is empty or `>` is not last.
fn tokens_of(subject: &str) -> Option<Vec<String>> {
    if subject.is_empty() {
        return None;
    }
    let tokens: Vec<String> = subject.split('.').map(str::to_owned).collect();
    let n = tokens.len();
    for (i, t) in tokens.iter().enumerate() {
        if t.is_empty() || (t == ">" && i + 1 != n) {
            return None;
        }
    }
    Some(tokens)
}

/// Tokens of a literal subject; `None` when it has an empty token or a wildcard token.
fn split_literal(subject: &[u8]) -> Option<Vec<&[u8]>> {
    let tokens: Vec<&[u8]> = subject.split(|&b| b == b'.').collect();
    tokens.iter().all(|t| !t.is_empty() && *t != b"*" && *t != b">").then_some(tokens)
}

/// Whether literal `tokens` match the pattern.
fn pattern_matches(pattern: &[Bytes], tokens: &[&[u8]]) -> bool {
    for (i, p) in pattern.iter().enumerate() {
        if &p[..] == b">" {
            return tokens.len() > i;
        }
        match tokens.get(i) {
            Some(t) if &p[..] == b"*" || &p[..] == *t => {}
            _ => return false,
        }
    }
    tokens.len() == pattern.len()
}

/// Subject position of the `reference`-th `*` of the source (1-based). Reference 0 means the first
/// token of the subject, as it does in nats-server.
fn star_position(stars: &[usize], reference: i64, token: &str) -> Result<usize, MappingError> {
    match usize::try_from(reference) {
        Ok(0) => Ok(0),
        Ok(r) => stars.get(r - 1).copied().ok_or_else(|| MappingError::IndexOutOfRange(token.to_string())),
        Err(_) => Err(MappingError::IndexOutOfRange(token.to_string())),
    }
}

#[derive(Debug, Clone, Copy)]
enum IntFn {
    SplitFromLeft,
    SplitFromRight,
    SliceFromLeft,
    SliceFromRight,
    Left,
    Right,
}

enum Placeholder {
    Literal,
    Wildcard(i64),
    Partition(u32, Vec<i64>),
    IndexInt(IntFn, i64, i32),
    Split(i64, Bytes),
    Random(u32),
}

fn is_function_token(t: &str) -> bool {
    t.len() > 4 && t.starts_with("{{") && t.ends_with("}}")
}

/// Parses one destination token: a literal, `$n`, or a `{{function(args)}}`.
fn parse_placeholder(token: &str) -> Result<Placeholder, MappingError> {
    let err_args = |make: fn(String) -> MappingError| make(token.to_string());
    if let Some(n) = token.strip_prefix('$') {
        // `$x` that is not a number stays literal: other features use `$`-prefixed tokens.
        return Ok(match n.parse::<i64>() {
            Ok(i) if !n.is_empty() => Placeholder::Wildcard(i),
            _ => Placeholder::Literal,
        });
    }
    if !is_function_token(token) {
        return Ok(Placeholder::Literal);
    }
    let inner = token[2..token.len() - 2].trim();
    let (name, rest) = inner.split_once('(').ok_or_else(|| err_args(MappingError::UnknownFunction))?;
    let args = rest.trim_end().strip_suffix(')').ok_or_else(|| err_args(MappingError::UnknownFunction))?;
    let args: Vec<&str> = args.split(',').map(str::trim).collect();
    let int = |s: &str| s.parse::<i64>().map_err(|_| err_args(MappingError::InvalidArg));
    let count = |s: &str| -> Result<u32, MappingError> {
        int(s).and_then(|v| {
            u32::try_from(v).ok().filter(|&v| v <= i32::MAX as u32).ok_or_else(|| err_args(MappingError::InvalidArg))
        })
    };
    let index_int = |f: IntFn| -> Result<Placeholder, MappingError> {
        match args.len() {
            0 | 1 => Err(err_args(MappingError::NotEnoughArgs)),
            2 => {
                let n = int(args[1])?;
                let n = i32::try_from(n).map_err(|_| err_args(MappingError::InvalidArg))?;
                Ok(Placeholder::IndexInt(f, int(args[0])?, n))
            }
            _ => Err(err_args(MappingError::TooManyArgs)),
        }
    };
    match name.trim().to_ascii_lowercase().as_str() {
        "wildcard" => match args.as_slice() {
            [""] => Err(err_args(MappingError::NotEnoughArgs)),
            [one] => Ok(Placeholder::Wildcard(int(one)?)),
            _ => Err(err_args(MappingError::TooManyArgs)),
        },
        "partition" => match args.as_slice() {
            [""] => Err(err_args(MappingError::NotEnoughArgs)),
            [n, refs @ ..] => {
                Ok(Placeholder::Partition(count(n)?, refs.iter().map(|r| int(r)).collect::<Result<_, _>>()?))
            }
            [] => Err(err_args(MappingError::NotEnoughArgs)),
        },
        "splitfromleft" => index_int(IntFn::SplitFromLeft),
        "splitfromright" => index_int(IntFn::SplitFromRight),
        "slicefromleft" => index_int(IntFn::SliceFromLeft),
        "slicefromright" => index_int(IntFn::SliceFromRight),
        "left" => index_int(IntFn::Left),
        "right" => index_int(IntFn::Right),
        "split" => match args.as_slice() {
            [] | [_] => Err(err_args(MappingError::NotEnoughArgs)),
            [at, sep] => {
                if sep.is_empty() || sep.contains(' ') || sep.contains('.') {
                    return Err(err_args(MappingError::InvalidArg));
                }
                Ok(Placeholder::Split(int(at)?, Bytes::copy_from_slice(sep.as_bytes())))
            }
            _ => Err(err_args(MappingError::TooManyArgs)),
        },
        "random" => match args.as_slice() {
            [n] if !n.is_empty() => Ok(Placeholder::Random(count(n)?)),
            _ => Err(err_args(MappingError::NotEnoughArgs)),
        },
        _ => Err(err_args(MappingError::UnknownFunction)),
    }
}

/// A destination of a mapping as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeightedDest<'a> {
    pub subject: &'a str,
    /// Percentage of messages, 0–100.
    pub weight: u8,
    /// Only used inside this cluster; switchyard runs outside any cluster, so never chosen.
    pub cluster_scoped: bool,
}

/// One compiled mapping: a source and its destinations with cumulative weights.
#[derive(Debug, Clone)]
pub struct Mapping {
    source: String,
    source_tokens: Vec<Bytes>,
    literal: bool,
    /// `(cumulative weight, transform)`, ascending; a draw in `0..100` picks the first entry above it,
    /// none means the message is dropped.
    dests: Vec<(u8, Transform)>,
}

impl Mapping {
    /// Compiles a mapping as nats-server does: every destination must be a valid transform of the
    /// source, no destination twice, weights at most 100 in total; what the weights leave over keeps the
    /// original subject unless the source itself is listed (then the rest is dropped).
    pub fn new(source: &str, dests: &[WeightedDest<'_>]) -> Result<Mapping, MappingError> {
        let source_tokens = tokens_of(source).ok_or_else(|| MappingError::InvalidSource(source.to_string()))?;
        let mut seen = std::collections::HashSet::new();
        let mut compiled: Vec<(u8, Transform)> = Vec::new();
        let mut total: u32 = 0;
        let mut cluster_totals: HashMap<&str, u32> = HashMap::new();
        for d in dests {
            if !seen.insert(d.subject) {
                return Err(MappingError::DuplicateDestination(d.subject.to_string()));
            }
            let transform = Transform::new(source, d.subject)?;
            if d.cluster_scoped {
                let t = cluster_totals.entry(d.subject).or_default();
                *t += u32::from(d.weight);
                continue;
            }
            total += u32::from(d.weight);
            if total > 100 {
                return Err(MappingError::WeightsOver100(total));
            }
            compiled.push((d.weight, transform));
        }
        if total != 100 && !seen.contains(source) {
            let keep = Transform::new(source, &tokenize_wildcards(source))?;
            let rest = if compiled.is_empty() { 100 } else { (100 - total) as u8 };
            compiled.push((rest, keep));
        }
        compiled.sort_by_key(|(w, _)| *w);
        let mut acc = 0u8;
        for (w, _) in &mut compiled {
            acc = acc.saturating_add(*w);
            *w = acc;
        }
        Ok(Mapping {
            literal: !source_tokens.iter().any(|t| t == "*" || t == ">"),
            source: source.to_string(),
            source_tokens: source_tokens.into_iter().map(|t| Bytes::copy_from_slice(t.as_bytes())).collect(),
            dests: compiled,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    fn matches(&self, subject: &[u8], tokens: &[&[u8]]) -> bool {
        if self.literal {
            subject == self.source.as_bytes()
        } else {
            pattern_matches(&self.source_tokens, tokens)
        }
    }

    /// The only possible result for a subject, when there is exactly one (no weights, no `random`).
    fn fixed(&self) -> Option<&Transform> {
        match self.dests.as_slice() {
            [(100, t)] if t.is_deterministic() => Some(t),
            _ => None,
        }
    }

    /// Draws a destination and renders it; an empty subject when the draw fell on the dropped share.
    fn choose(&self, tokens: &[&[u8]]) -> Bytes {
        let draw = if self.dests.len() == 1 && self.dests[0].0 == 100 { 0 } else { fastrand::u8(..100) };
        match self.dests.iter().find(|(upto, _)| draw < *upto) {
            Some((_, t)) => t.render(tokens),
            None => Bytes::new(),
        }
    }
}

/// `foo.*.*.>` → `foo.$1.$2.>`: the destination that keeps a subject as it is.
fn tokenize_wildcards(source: &str) -> String {
    let mut n = 0;
    source
        .split('.')
        .map(|t| {
            if t == "*" {
                n += 1;
                format!("${n}")
            } else {
                t.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// The mappings of the subject space, in configuration order (the first match applies).
#[derive(Debug, Clone, Default)]
pub struct Mappings {
    entries: Vec<Mapping>,
}

impl Mappings {
    pub fn new(entries: Vec<Mapping>) -> Self {
        Mappings { entries }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Where a message published to `subject` goes: `None` when no mapping applies, an empty subject
    /// when its mapping drops it.
    pub fn apply(&self, subject: &[u8]) -> Option<Bytes> {
        let (index, tokens) = self.select(subject)?;
        Some(self.entries[index].choose(&tokens))
    }

    fn select<'s>(&self, subject: &'s [u8]) -> Option<(usize, Vec<&'s [u8]>)> {
        let tokens = split_literal(subject)?;
        let index = self.entries.iter().position(|m| m.matches(subject, &tokens))?;
        Some((index, tokens))
    }
}

/// What a [`MappingCache`] remembers about a subject.
#[derive(Debug, Clone)]
enum Cached {
    Unmapped,
    Fixed(Bytes),
    /// The mapping that applies; its destination is drawn per message.
    Drawn(usize),
}

/// A publisher's memory of which mapping applies to the subjects it publishes to.
#[derive(Debug)]
pub struct MappingCache {
    entries: HashMap<Bytes, Cached, ahash::RandomState>,
    capacity: usize,
}

impl Default for MappingCache {
    fn default() -> Self {
        MappingCache { entries: HashMap::default(), capacity: 256 }
    }
}

impl MappingCache {
    /// [`Mappings::apply`], remembering per subject which mapping applies (and, when the result cannot
    /// vary, the result itself).
    pub fn apply(&mut self, mappings: &Mappings, subject: &Bytes) -> Option<Bytes> {
        if let Some(hit) = self.entries.get(subject) {
            return match hit {
                Cached::Unmapped => None,
                Cached::Fixed(to) => Some(to.clone()),
                Cached::Drawn(i) => {
                    let tokens: Vec<&[u8]> = subject.split(|&b| b == b'.').collect();
                    Some(mappings.entries[*i].choose(&tokens))
                }
            };
        }
        let (cached, result) = match mappings.select(subject) {
            None => (Cached::Unmapped, None),
            Some((i, tokens)) => {
                let m = &mappings.entries[i];
                match m.fixed() {
                    Some(t) => {
                        let to = t.render(&tokens);
                        (Cached::Fixed(to.clone()), Some(to))
                    }
                    None => (Cached::Drawn(i), Some(m.choose(&tokens))),
                }
            }
        };
        if self.entries.len() >= self.capacity {
            self.entries.clear();
        }
        self.entries.insert(Bytes::copy_from_slice(subject), cached);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tr(src: &str, dest: &str) -> Transform {
        Transform::new(src, dest).unwrap_or_else(|e| panic!("{src} -> {dest}: {e}"))
    }

    fn map(src: &str, dest: &str, subject: &str) -> String {
        let out = tr(src, dest).apply(subject.as_bytes()).unwrap_or_else(|| panic!("{subject} did not match {src}"));
        String::from_utf8(out.to_vec()).unwrap()
    }

    #[test]
    fn wildcards_reorder_tokens_in_both_syntaxes() {
        assert_eq!(map("a.*.*", "b.{{wildcard(2)}}.{{wildcard(1)}}", "a.x.y"), "b.y.x");
        assert_eq!(map("a.*.*", "b.$2.$1", "a.x.y"), "b.y.x");
        assert_eq!(map("a.*.>", "b.$1.>", "a.x.y.z"), "b.x.y.z");
        assert_eq!(map(">", "pre.>", "a.b"), "pre.a.b");
        assert_eq!(map("a", "b", "a"), "b");
        assert_eq!(map("a.*", "b.{{ Wildcard( 1 ) }}", "a.q"), "b.q");
        // `$` followed by a non-number stays a literal token.
        assert_eq!(map("a.*", "$KV.$1", "a.k"), "$KV.k");
    }

    #[test]
    fn non_matching_and_non_literal_subjects_are_not_transformed() {
        let t = tr("a.*", "b.$1");
        assert_eq!(t.apply(b"c.d"), None);
        assert_eq!(t.apply(b"a.b.c"), None);
        assert_eq!(t.apply(b"a.*"), None);
        assert_eq!(t.apply(b"a..b"), None);
        assert!(t.matches(b"a.z"));
    }

    #[test]
    fn partition_hashes_like_nats_server() {
        // Vectors from nats-server's subject transform tests.
        assert_eq!(map("*", "bar.{{partition(10)}}", "foo"), "bar.3");
        assert_eq!(map("*", "bar.{{partition(10)}}", "baz"), "bar.0");
        assert_eq!(map("*", "bar.{{partition(10)}}", "qux"), "bar.9");
        assert_eq!(map("*", "bar.{{partition(10, 0)}}", "foo"), "bar.3");
        assert_eq!(map("*.*", "bar.{{partition(10)}}", "foo.bar"), "bar.6");
        assert_eq!(map("*", "bar.{{partition(0)}}", "baz"), "bar.0");
        assert_eq!(map("foo.bar", "baz.{{partition(10)}}", "foo.bar"), "baz.6");
        assert_eq!(map("foo.baz", "qux.{{partition(10)}}", "foo.baz"), "qux.4");
        assert_eq!(map("test.subject", "result.{{partition(5)}}", "test.subject"), "result.0");
        // Several tokens hash as their concatenation.
        let t = tr("*.*", "p.{{partition(7,1,2)}}");
        let expected = fnv1a(b"ab".iter()) % 7;
        assert_eq!(t.apply(b"a.b").unwrap(), format!("p.{expected}"));
    }

    #[test]
    fn splitting_and_slicing_functions() {
        // Vectors from nats-server's subject transform tests, and edge cases around them.
        assert_eq!(map("*", "{{splitfromleft(1,3)}}", "12345"), "123.45");
        assert_eq!(map("*", "{{SplitFromRight(1,3)}}", "12345"), "12.345");
        assert_eq!(map("*", "{{splitfromleft(1,9)}}", "12345"), "12345");
        assert_eq!(map("*", "{{SliceFromLeft(1,3)}}", "1234567890"), "123.456.789.0");
        assert_eq!(map("*", "{{SliceFromRight(1,3)}}", "1234567890"), "1.234.567.890");
        assert_eq!(map("*", "{{slicefromright(1,2)}}", "1234"), "12.34");
        assert_eq!(map("*", "{{split(1,-)}}", "-abc-def--ghi-"), "abc.def.ghi");
        assert_eq!(map("*", "{{split(1,-)}}", "abc-def--ghi-"), "abc.def.ghi");
        assert_eq!(map("*.*", "{{split(2,-)}}.{{splitfromleft(1,2)}}", "foo.-abc-def--ghij-"), "abc.def.ghij.fo.o");
        assert_eq!(map("*", "{{split(1,ab)}}", "1ab2ab3"), "1.2.3");
        assert_eq!(map("*", "{{right(1,1)}}", "1234"), "4");
        assert_eq!(map("*", "{{right(1,3)}}", "1234"), "234");
        assert_eq!(map("*", "{{right(1,6)}}", "1234"), "1234");
        assert_eq!(map("*", "{{left(1,1)}}", "1234"), "1");
        assert_eq!(map("*", "{{left(1,3)}}", "1234"), "123");
        assert_eq!(map("*", "{{left(1,6)}}", "1234"), "1234");
        assert_eq!(map("", "prefix.>", "foo"), "prefix.foo");
        assert_eq!(map("foo.*.bar.*.baz", "req.$2.$1", "foo.A.bar.B.baz"), "req.B.A");
    }

    #[test]
    fn random_stays_within_its_range() {
        let t = tr("*", "r.{{random(3)}}");
        assert!(!t.is_deterministic());
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            seen.insert(String::from_utf8(t.apply(b"x").unwrap().to_vec()).unwrap());
        }
        assert_eq!(seen.into_iter().collect::<Vec<_>>(), ["r.0", "r.1", "r.2"]);
    }

    #[test]
    fn invalid_transforms_are_refused_with_the_reason() {
        let err = |s: &str, d: &str| Transform::new(s, d).unwrap_err();
        assert_eq!(err("a.*", "b.*"), MappingError::WildcardInDestination("b.*".into()));
        assert!(matches!(err("a.>", "b"), MappingError::FullWildcardMismatch { .. }));
        assert!(matches!(err("a", "b.>"), MappingError::FullWildcardMismatch { .. }));
        assert_eq!(err("a.*", "b.$2"), MappingError::IndexOutOfRange("$2".into()));
        assert_eq!(err("a.*", "{{wildcard(-1)}}"), MappingError::IndexOutOfRange("{{wildcard(-1)}}".into()));
        assert_eq!(err("a.*", "{{random()}}"), MappingError::NotEnoughArgs("{{random()}}".into()));
        assert_eq!(err("a.*", "{{partition()}}"), MappingError::NotEnoughArgs("{{partition()}}".into()));
        assert_eq!(
            err("a.*", "{{partition(2147483648)}}"),
            MappingError::InvalidArg("{{partition(2147483648)}}".into())
        );
        assert_eq!(err("a.*", "{{ wildcard5) }}"), MappingError::UnknownFunction("{{ wildcard5) }}".into()));
        assert_eq!(err("a", "b.{{wildcard(1)}}"), MappingError::IndexOutOfRange("{{wildcard(1)}}".into()));
        assert_eq!(err("a.*", "{{nosuch(1)}}"), MappingError::UnknownFunction("{{nosuch(1)}}".into()));
        assert_eq!(err("a.*", "{{left(1)}}"), MappingError::NotEnoughArgs("{{left(1)}}".into()));
        assert_eq!(err("a.*", "{{left(1,2,3)}}"), MappingError::TooManyArgs("{{left(1,2,3)}}".into()));
        assert_eq!(err("a.*", "{{left(x,2)}}"), MappingError::InvalidArg("{{left(x,2)}}".into()));
        assert_eq!(err("a.*", "{{split(1,a b)}}"), MappingError::InvalidArg("{{split(1,a b)}}".into()));
        assert_eq!(err("a.*", "{{wildcard()}}"), MappingError::NotEnoughArgs("{{wildcard()}}".into()));
        assert!(matches!(err("a..b", "c"), MappingError::InvalidSource(_)));
        assert!(matches!(err("a", "c..d"), MappingError::InvalidDestination(_)));
        assert!(matches!(err("a", "c d"), MappingError::InvalidDestination(_)));
        // partition and random are the only functions a literal source allows.
        assert!(Transform::new("a", "p.{{partition(3)}}").is_ok());
        assert!(Transform::new("a", "p.{{random(3)}}").is_ok());
    }

    fn mapping(src: &str, dests: &[(&str, u8)]) -> Result<Mapping, MappingError> {
        let d: Vec<WeightedDest<'_>> =
            dests.iter().map(|&(subject, weight)| WeightedDest { subject, weight, cluster_scoped: false }).collect();
        Mapping::new(src, &d)
    }

    #[test]
    fn first_matching_mapping_applies_and_others_pass_through() {
        let m = Mappings::new(vec![
            mapping("orders.new", &[("orders.created", 100)]).unwrap(),
            mapping("orders.*", &[("o.{{wildcard(1)}}", 100)]).unwrap(),
        ]);
        assert_eq!(m.apply(b"orders.new").unwrap(), "orders.created");
        assert_eq!(m.apply(b"orders.old").unwrap(), "o.old");
        assert_eq!(m.apply(b"other"), None);
        let mut cache = MappingCache::default();
        for _ in 0..2 {
            assert_eq!(cache.apply(&m, &Bytes::from_static(b"orders.x")).unwrap(), "o.x");
            assert_eq!(cache.apply(&m, &Bytes::from_static(b"nope")), None);
        }
    }

    #[test]
    fn weights_split_traffic_and_the_rest_keeps_the_subject() {
        let m = Mappings::new(vec![mapping("svc.*", &[("v2.$1", 20)]).unwrap()]);
        let mut cache = MappingCache::default();
        let (mut v2, mut same) = (0, 0);
        for _ in 0..10_000 {
            match &cache.apply(&m, &Bytes::from_static(b"svc.a")).unwrap()[..] {
                b"v2.a" => v2 += 1,
                b"svc.a" => same += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        // 20 % of 10 000: binomial sd 40, so 6 sd either side.
        assert!((1_760..=2_240).contains(&v2), "v2 got {v2}");
        assert_eq!(v2 + same, 10_000);
    }

    #[test]
    fn listing_the_source_makes_the_remainder_a_loss() {
        let m = Mappings::new(vec![mapping("a", &[("a", 50)]).unwrap()]);
        let dropped = (0..2_000).filter(|_| m.apply(b"a").unwrap().is_empty()).count();
        assert!((800..=1_200).contains(&dropped), "dropped {dropped}");
    }

    #[test]
    fn mapping_rules_on_weights_and_duplicates() {
        assert_eq!(mapping("a", &[("b", 60), ("c", 50)]).unwrap_err(), MappingError::WeightsOver100(110));
        assert_eq!(mapping("a", &[("b", 10), ("b", 10)]).unwrap_err(), MappingError::DuplicateDestination("b".into()));
        assert!(mapping("a.*", &[("b.*", 100)]).is_err());
        let scoped = [WeightedDest { subject: "east", weight: 100, cluster_scoped: true }];
        let m = Mappings::new(vec![Mapping::new("a", &scoped).unwrap()]);
        assert_eq!(m.apply(b"a").unwrap(), "a", "cluster-scoped destinations are never chosen");
    }

    #[test]
    fn import_templates_take_captured_wildcards_in_order_or_by_number() {
        let apply = |src: &str, dest: &str, subject: &str| {
            let t = Transform::for_import(src, dest).unwrap();
            String::from_utf8(t.apply(subject.as_bytes()).unwrap().to_vec()).unwrap()
        };
        assert_eq!(apply("events.>", "from_a.events.>", "events.x.y"), "from_a.events.x.y");
        assert_eq!(apply("help", "ask", "help"), "ask");
        assert_eq!(apply("a.*.b.*", "x.*.*", "a.1.b.2"), "x.1.2");
        assert_eq!(apply("a.*.b.*", "x.$2.$1", "a.1.b.2"), "x.2.1");
        assert_eq!(apply("a.*.>", "y.{{wildcard(1)}}.>", "a.1.c.d"), "y.1.c.d");
        assert!(Transform::for_import("a.*", "x.*.*").is_err());
        assert!(Transform::for_import("a.*", "x.>").is_err());
        assert!(Transform::for_import("a", "x.$1").is_err());
    }

    #[test]
    fn the_destination_pattern_has_wildcards_where_tokens_come_from_the_subject() {
        assert_eq!(Transform::for_import("events.>", "events.>").unwrap().destination_pattern(), "events.>");
        assert_eq!(Transform::for_import("a.*.b.*", "x.$2.c.*").unwrap().destination_pattern(), "x.*.c.*");
        assert_eq!(Transform::new("a.*", "p.{{partition(3,1)}}").unwrap().destination_pattern(), "p.*");
    }
}
