//! Subject syntax: validation and wildcard matching.
//!
//! A subject is a list of tokens separated by `.`. Tokens are non-empty and contain no whitespace. In a
//! *filter* (a subscription subject) the token `*` matches exactly one token and `>` matches one or more
//! trailing tokens; a wildcard character that is only part of a token (`foo*`) is a literal. Publish
//! subjects are normally literal, but nats-server only enforces that in pedantic mode, so the checks here
//! are separate.
//!
//! This module does no allocation on its hot paths and knows nothing about subscriptions (that is the
//! server's sublist).

/// The single-token wildcard.
pub const PWC: &str = "*";
/// The full (tail) wildcard.
pub const FWC: &str = ">";

#[inline]
fn token_is_clean(t: &str) -> bool {
    !t.is_empty()
        && !t
            .bytes()
            .any(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0x0c))
}

/// A valid subscription subject: non-empty tokens, no whitespace, `>` only as the last token.
pub fn is_valid_filter(subject: &str) -> bool {
    if subject.is_empty() {
        return false;
    }
    let mut tokens = subject.split('.').peekable();
    while let Some(t) = tokens.next() {
        if !token_is_clean(t) {
            return false;
        }
        if t == FWC && tokens.peek().is_some() {
            return false;
        }
    }
    true
}

/// A valid literal subject: a valid filter without wildcard tokens.
pub fn is_valid_literal(subject: &str) -> bool {
    is_valid_filter(subject) && is_literal(subject)
}

/// True when no token is a wildcard (the caller has validated the syntax or does not care).
pub fn is_literal(subject: &str) -> bool {
    subject.split('.').all(|t| t != PWC && t != FWC)
}

/// Does the literal `subject` match `filter` (which may contain wildcards)?
pub fn matches(filter: &str, subject: &str) -> bool {
    let mut f = filter.split('.');
    let mut s = subject.split('.');
    loop {
        match (f.next(), s.next()) {
            (Some(FWC), Some(_)) => return true,
            (Some(PWC), Some(_)) => {}
            (Some(ft), Some(st)) if ft == st => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

/// Could some literal subject match both filters? Used for overlap checks between stream subjects.
pub fn filters_overlap(a: &str, b: &str) -> bool {
    let mut x = a.split('.');
    let mut y = b.split('.');
    loop {
        match (x.next(), y.next()) {
            (Some(FWC), Some(_)) | (Some(_), Some(FWC)) => return true,
            (Some(PWC), Some(_)) | (Some(_), Some(PWC)) => {}
            (Some(p), Some(q)) if p == q => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

/// Is every subject matched by `inner` also matched by `outer`?
pub fn is_subset(inner: &str, outer: &str) -> bool {
    let mut i = inner.split('.');
    let mut o = outer.split('.');
    loop {
        match (i.next(), o.next()) {
            (Some(_), Some(FWC)) => return true,
            (Some(FWC), Some(_)) => return false,
            (Some(_), Some(PWC)) => {}
            (Some(PWC), Some(_)) => return false,
            (Some(p), Some(q)) if p == q => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

/// Number of tokens in a subject.
pub fn num_tokens(subject: &str) -> usize {
    subject.split('.').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_validated_like_nats_server() {
        for ok in [
            "foo",
            "foo.bar",
            "foo.*",
            "foo.>",
            ">",
            "*",
            "*.*.>",
            "foo*.bar",
            "$JS.API.>",
        ] {
            assert!(is_valid_filter(ok), "{ok}");
        }
        for bad in [
            "",
            ".",
            "foo.",
            ".foo",
            "foo..bar",
            "foo.>.bar",
            "foo bar",
            "foo\tbar",
            ">.foo",
        ] {
            assert!(!is_valid_filter(bad), "{bad:?}");
        }
    }

    #[test]
    fn literals_have_no_wildcard_tokens() {
        assert!(is_valid_literal("foo.bar"));
        assert!(is_valid_literal("foo*.bar>"));
        assert!(!is_valid_literal("foo.*"));
        assert!(!is_valid_literal("foo.>"));
    }

    #[test]
    fn wildcards_match_whole_tokens() {
        assert!(matches("foo.*", "foo.bar"));
        assert!(!matches("foo.*", "foo.bar.baz"));
        assert!(!matches("foo.*", "foo"));
        assert!(matches("foo.>", "foo.bar.baz"));
        assert!(!matches("foo.>", "foo"));
        assert!(matches(">", "a"));
        assert!(matches("*.b.*", "a.b.c"));
        assert!(matches("a.b", "a.b"));
        assert!(!matches("a.b", "a.b.c"));
        assert!(!matches("a.b.c", "a.b"));
    }

    #[test]
    fn overlap_and_subset() {
        assert!(filters_overlap("foo.*", "foo.bar"));
        assert!(filters_overlap("foo.>", "*.bar"));
        assert!(!filters_overlap("foo.*", "bar.*"));
        assert!(!filters_overlap("foo.*", "foo.a.b"));
        assert!(is_subset("foo.bar", "foo.*"));
        assert!(is_subset("foo.*.baz", "foo.>"));
        assert!(!is_subset("foo.>", "foo.*"));
        assert!(!is_subset("foo.*", "foo.bar"));
    }
}
