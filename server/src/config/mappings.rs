//! The `mappings { … }` block (subject mappings of the global account, or of an account).
//!
//! Input: the parsed block. Output: a list of [`Mapping`]s, each a source subject and weighted
//! destinations. Each mapping is compiled here once, with the routing core's own compiler, so that a
//! destination the router could not apply (unknown function, wildcard index out of range, `>` on one
//! side only, …) is an error naming its line; what mappings do to messages belongs to the router.

use switchyard_shared::subject::is_valid_filter;

use super::report::{key_of, Field, Report};
use super::value::{Kind, Map};
use crate::core::mapping::{self, MappingError, WeightedDest};

/// One subject mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    /// The subject (possibly with wildcards) messages are published to.
    pub source: String,
    /// Where they go instead; weights add up to at most 100 (the rest keeps the source subject).
    pub destinations: Vec<MapDest>,
}

impl Mapping {
    /// The mapping as the router applies it.
    pub fn compile(&self) -> Result<mapping::Mapping, MappingError> {
        let dests: Vec<WeightedDest<'_>> = self
            .destinations
            .iter()
            .map(|d| WeightedDest { subject: &d.subject, weight: d.weight, cluster_scoped: d.cluster.is_some() })
            .collect();
        mapping::Mapping::new(&self.source, &dests)
    }
}

/// One destination of a mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapDest {
    /// `destination`: the subject template, e.g. `"orders.{{wildcard(1)}}"`.
    pub subject: String,
    /// `weight`: the percentage of messages sent here (100 for the plain `"src": "dest"` form).
    pub weight: u8,
    /// `cluster`: only apply in this cluster (kept for completeness; switchyard does not cluster).
    pub cluster: Option<String>,
}

/// Decodes a `mappings` block: `"src": "dest"`, `"src": [ {destination, weight}, … ]` or
/// `"src": {destination, weight}`.
pub(crate) fn parse_mappings(f: Field<'_>, r: &mut Report) -> Vec<Mapping> {
    let Some(map) = r.map(f) else {
        return Vec::new();
    };
    let mut mappings = Vec::with_capacity(map.len());
    for entry in map.entries() {
        let source = entry.key.clone();
        if !is_valid_filter(&source) {
            r.error(&entry.key_pos, format!("mappings: \"{source}\" is not a valid subject"));
            continue;
        }
        let parsed: Vec<Option<MapDest>> = match &entry.value.kind {
            Kind::String(dest) => vec![Some(MapDest { subject: dest.clone(), weight: 100, cluster: None })],
            Kind::Array(items) => items
                .iter()
                .map(|item| match &item.kind {
                    Kind::Map(m) => parse_dest(m, Field::item(&source, item), r),
                    other => {
                        r.error(
                            &item.pos,
                            format!("mappings: expected a destination map, found {}", other.type_name()),
                        );
                        None
                    }
                })
                .collect(),
            Kind::Map(m) => vec![parse_dest(m, Field::entry(entry), r)],
            other => {
                r.error(
                    &entry.key_pos,
                    format!(
                        "mappings: \"{source}\" must map to a subject or weighted destinations, found {}",
                        other.type_name()
                    ),
                );
                continue;
            }
        };
        let Some(destinations) = parsed.into_iter().collect::<Option<Vec<MapDest>>>() else {
            continue;
        };
        let total: u32 = destinations.iter().map(|d| u32::from(d.weight)).sum();
        if total > 100 {
            r.error(&entry.key_pos, format!("mappings: weights of \"{source}\" add up to {total}%, more than 100%"));
            continue;
        }
        let m = Mapping { source, destinations };
        if let Err(e) = m.compile() {
            r.error(&entry.key_pos, format!("mappings: \"{}\": {e}", m.source));
            continue;
        }
        mappings.push(m);
    }
    mappings
}

fn parse_dest(map: &Map, at: Field<'_>, r: &mut Report) -> Option<MapDest> {
    let mut subject = None;
    let mut weight = None;
    let mut cluster = None;
    for entry in map.entries() {
        let field = Field::entry(entry);
        match key_of(entry).as_str() {
            "dest" | "destination" => subject = r.non_empty_string(field),
            "weight" => weight = parse_weight(field, r),
            "cluster" => cluster = r.string(field),
            _ => r.error(&entry.key_pos, format!("unknown field \"{}\" in a mapping destination", entry.key)),
        }
    }
    let Some(subject) = subject else {
        r.error(at.pos, format!("mappings: a destination of \"{}\" has no destination subject", at.name));
        return None;
    };
    let Some(weight) = weight else {
        r.error(at.pos, format!("mappings: missing weight for destination \"{subject}\""));
        return None;
    };
    Some(MapDest { subject, weight, cluster })
}

/// `"40%"`, `"40"` or `40`.
fn parse_weight(f: Field<'_>, r: &mut Report) -> Option<u8> {
    let n = match &f.value.kind {
        Kind::Integer(n) => *n,
        Kind::String(s) => match s.strip_suffix('%').unwrap_or(s).parse::<i64>() {
            Ok(n) => n,
            Err(_) => {
                r.error(f.pos, format!("weight: invalid weight \"{s}\""));
                return None;
            }
        },
        other => {
            r.error(f.pos, format!("weight: expected a percentage, found {}", other.type_name()));
            return None;
        }
    };
    match u8::try_from(n) {
        Ok(w) if w <= 100 => Some(w),
        _ => {
            r.error(f.pos, format!("weight: {n} is not between 0 and 100"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse::parse_str;
    use std::path::Path;

    fn decode(text: &str) -> (Vec<Mapping>, Report) {
        let map = parse_str(text, Path::new("maps.conf")).expect("parse");
        let mut r = Report::default();
        let out = parse_mappings(Field::entry(&map.entries()[0]), &mut r);
        (out, r)
    }

    #[test]
    fn plain_and_weighted_mappings_decode() {
        let (maps, r) = decode(
            "mappings {\n  \"orders.*\": \"new.orders.{{wildcard(1)}}\"\n  \"split\": [\n    {destination: \"a\", weight: \"40%\"}\n    \
             {destination: \"b\", weight: 60}\n  ]\n  single: {dest: c, weight: \"50\", cluster: east}\n}",
        );
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert_eq!(maps.len(), 3);
        assert_eq!(maps[0].source, "orders.*");
        assert_eq!(
            maps[0].destinations,
            vec![MapDest { subject: "new.orders.{{wildcard(1)}}".into(), weight: 100, cluster: None }]
        );
        let weights: Vec<(String, u8)> = maps[1].destinations.iter().map(|d| (d.subject.clone(), d.weight)).collect();
        assert_eq!(weights, vec![("a".to_string(), 40), ("b".to_string(), 60)]);
        assert_eq!(maps[2].destinations[0].cluster.as_deref(), Some("east"));
    }

    #[test]
    fn destinations_the_router_cannot_apply_are_errors_at_their_lines() {
        let (maps, r) = decode(
            "mappings {\n  ok: ok2\n  \"a.*\": \"b.{{wildcard(2)}}\"\n  \"c.>\": d\n  \"e.*\": \"f.{{nope(1)}}\"\n               g: [ {destination: h, weight: 10}, {destination: h, weight: 20} ]\n}",
        );
        assert_eq!(maps.len(), 1);
        let messages: Vec<String> = r.errors.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 4, "{messages:?}");
        assert!(messages[0].starts_with("maps.conf:3: mappings: \"a.*\": wildcard index out of range"), "{messages:?}");
        assert!(messages[1].starts_with("maps.conf:4: mappings: \"c.>\": source"), "{messages:?}");
        assert!(messages[2].starts_with("maps.conf:5: mappings: \"e.*\": unknown mapping function"), "{messages:?}");
        assert!(messages[3].starts_with("maps.conf:6: mappings: \"g\": duplicate destination"), "{messages:?}");
    }

    #[test]
    fn bad_weights_and_subjects_are_errors_at_their_lines() {
        let (maps, r) = decode(
            "mappings {\n  \"a..b\": c\n  x: [ {destination: y, weight: \"70%\"}, {destination: z, weight: 40} ]\n  \
             w: [ {destination: v} ]\n  q: [ {destination: v, weight: 101} ]\n}",
        );
        assert!(maps.is_empty());
        let messages: Vec<String> = r.errors.iter().map(ToString::to_string).collect();
        assert!(messages[0].starts_with("maps.conf:2: mappings: \"a..b\""), "{messages:?}");
        assert!(messages[1].starts_with("maps.conf:3: mappings: weights of \"x\" add up to 110%"));
        assert!(messages[2].starts_with("maps.conf:4: mappings: missing weight"));
        assert!(messages[3].starts_with("maps.conf:5: weight: 101"));
    }
}
