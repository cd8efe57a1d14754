//! Subject rewriting between accounts: the local subject of a stream import (`prefix`, `to`) and the
//! exporter's subject of a service import (`to` → `subject`).
//!
//! A [`Transform`] has a source pattern and a destination template. The wildcard tokens of the source
//! capture the tokens of a matching subject; the destination is made of literal tokens, `*` (the next
//! captured `*` token, in order), `>` (the tokens the source's `>` captured), and `$N` or
//! `{{wildcard(N)}}` (the N-th captured wildcard, from 1). A literal destination makes every subject
//! the same. It does not check that a subject matches the source: the router only hands it matching
//! subjects.

use bytes::Bytes;

/// One token of a destination template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    /// The N-th (0-based) `*` wildcard of the source.
    Wildcard(usize),
    /// Whatever the source's `>` matched.
    Rest,
}

/// Errors in a destination template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransformError {
    #[error("\"{dest}\" uses more wildcards than \"{pattern}\" has")]
    TooManyWildcards { pattern: String, dest: String },
    #[error("\"{dest}\" uses '>' but \"{pattern}\" does not end in '>'")]
    NoFullWildcard { pattern: String, dest: String },
}

/// A source pattern and the template its subjects are rewritten into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transform {
    /// Positions of the source's `*` tokens.
    stars: Vec<usize>,
    /// Position of the source's trailing `>`, if any.
    rest: Option<usize>,
    dest: Vec<Part>,
}

/// `$N` or `{{wildcard(N)}}` (N from 1).
fn wildcard_ref(token: &str) -> Option<usize> {
    let n = token.strip_prefix('$').or_else(|| {
        token
            .strip_prefix("{{")
            .and_then(|t| t.strip_suffix("}}"))
            .map(str::trim)
            .and_then(|t| t.strip_prefix("wildcard(").and_then(|t| t.strip_suffix(')')).map(str::trim))
    })?;
    n.parse::<usize>().ok().filter(|n| *n >= 1).map(|n| n - 1)
}

impl Transform {
    pub fn new(source: &str, dest: &str) -> Result<Self, TransformError> {
        let tokens: Vec<&str> = source.split('.').collect();
        let stars: Vec<usize> = tokens.iter().enumerate().filter(|(_, t)| **t == "*").map(|(i, _)| i).collect();
        let rest = tokens.iter().position(|t| *t == ">");
        let mut next_star = 0;
        let mut parts = Vec::new();
        for token in dest.split('.') {
            let part = match token {
                "*" => {
                    next_star += 1;
                    Part::Wildcard(next_star - 1)
                }
                ">" => Part::Rest,
                t => match wildcard_ref(t) {
                    Some(n) => Part::Wildcard(n),
                    None => Part::Literal(t.to_string()),
                },
            };
            match part {
                Part::Wildcard(n) if n >= stars.len() => {
                    return Err(TransformError::TooManyWildcards { pattern: source.into(), dest: dest.into() })
                }
                Part::Rest if rest.is_none() => {
                    return Err(TransformError::NoFullWildcard { pattern: source.into(), dest: dest.into() })
                }
                _ => {}
            }
            parts.push(part);
        }
        Ok(Transform { stars, rest, dest: parts })
    }

    /// The identity: subjects stay as they are.
    pub fn identity(source: &str) -> Self {
        // A template equal to the source maps every matching subject onto itself.
        Transform::new(source, source).expect("a pattern is a valid template for itself")
    }

    /// Rewrites a subject that matches the source pattern.
    pub fn apply(&self, subject: &[u8]) -> Bytes {
        let tokens: Vec<&[u8]> = subject.split(|&b| b == b'.').collect();
        let mut out = Vec::with_capacity(subject.len() + 16);
        for (i, part) in self.dest.iter().enumerate() {
            if i > 0 {
                out.push(b'.');
            }
            match part {
                Part::Literal(t) => out.extend_from_slice(t.as_bytes()),
                Part::Wildcard(n) => {
                    if let Some(t) = self.stars.get(*n).and_then(|&pos| tokens.get(pos)) {
                        out.extend_from_slice(t);
                    }
                }
                Part::Rest => {
                    if let Some(rest) = self.rest.and_then(|pos| tokens.get(pos..)) {
                        out.extend_from_slice(&rest.join(&b'.'));
                    }
                }
            }
        }
        Bytes::from(out)
    }

    /// The destination as a pattern (wildcards where the template takes captured tokens), for cycle
    /// checks between imports.
    pub fn dest_pattern(&self) -> String {
        self.dest
            .iter()
            .map(|p| match p {
                Part::Literal(t) => t.as_str(),
                Part::Wildcard(_) => "*",
                Part::Rest => ">",
            })
            .collect::<Vec<_>>()
            .join(".")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(src: &str, dest: &str, subject: &str) -> String {
        let t = Transform::new(src, dest).expect("valid");
        String::from_utf8(t.apply(subject.as_bytes()).to_vec()).expect("utf8")
    }

    #[test]
    fn identity_keeps_subjects() {
        let t = Transform::identity("events.>");
        assert_eq!(&t.apply(b"events.a.b")[..], b"events.a.b");
        assert_eq!(t.dest_pattern(), "events.>");
    }

    #[test]
    fn prefix_style_templates_prepend_tokens() {
        assert_eq!(apply("events.>", "from_a.events.>", "events.x.y"), "from_a.events.x.y");
        assert_eq!(apply("help", "ask", "help"), "ask");
    }

    #[test]
    fn wildcards_are_captured_in_order_or_by_number() {
        assert_eq!(apply("a.*.b.*", "x.*.*", "a.1.b.2"), "x.1.2");
        assert_eq!(apply("a.*.b.*", "x.$2.$1", "a.1.b.2"), "x.2.1");
        assert_eq!(apply("a.*.>", "y.{{wildcard(1)}}.>", "a.1.c.d"), "y.1.c.d");
    }

    #[test]
    fn templates_cannot_use_wildcards_the_source_lacks() {
        assert!(matches!(Transform::new("a.*", "x.*.*"), Err(TransformError::TooManyWildcards { .. })));
        assert!(matches!(Transform::new("a.*", "x.>"), Err(TransformError::NoFullWildcard { .. })));
        assert!(matches!(Transform::new("a", "x.$1"), Err(TransformError::TooManyWildcards { .. })));
    }
}
