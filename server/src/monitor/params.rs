//! Query parameters of monitoring requests, decoded the way nats-server decodes them (Go's
//! `strconv.ParseBool`, `Atoi`, `ParseUint`), with its error texts.
//!
//! Input: the query pairs axum extracted. Output: typed values or a [`MonitorError::BadRequest`].

use super::MonitorError;

/// The query parameters of one request; the first value of a repeated name wins, as in Go.
#[derive(Debug, Clone, Default)]
pub struct Params(Vec<(String, String)>);

impl From<Vec<(String, String)>> for Params {
    fn from(pairs: Vec<(String, String)>) -> Self {
        Params(pairs)
    }
}

impl Params {
    /// The first value of `name`, when present and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }

    /// The value of `name` or an empty string.
    pub fn string(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_owned()
    }

    /// A boolean (`1`, `t`, `true`, `0`, `f`, `false`, … as Go accepts); absent is false.
    pub fn bool(&self, name: &str) -> Result<bool, MonitorError> {
        match self.get(name) {
            None => Ok(false),
            Some(v) => parse_go_bool(v).ok_or_else(|| {
                MonitorError::BadRequest(format!(
                    "Error decoding boolean for '{name}': strconv.ParseBool: parsing \"{v}\": invalid syntax"
                ))
            }),
        }
    }

    /// A signed integer; absent is 0.
    pub fn int(&self, name: &str) -> Result<i64, MonitorError> {
        match self.get(name) {
            None => Ok(0),
            Some(v) => v.parse().map_err(|_| {
                MonitorError::BadRequest(format!(
                    "Error decoding int for '{name}': strconv.Atoi: parsing \"{v}\": invalid syntax"
                ))
            }),
        }
    }

    /// An unsigned integer; absent is 0.
    pub fn uint(&self, name: &str) -> Result<u64, MonitorError> {
        match self.get(name) {
            None => Ok(0),
            Some(v) => v.parse().map_err(|_| {
                MonitorError::BadRequest(format!(
                    "Error decoding uint64 for '{name}': strconv.ParseUint: parsing \"{v}\": invalid syntax"
                ))
            }),
        }
    }
}

/// Go's `strconv.ParseBool`.
pub fn parse_go_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn booleans_follow_go() {
        let p = params(&[("a", "1"), ("b", "True"), ("c", "no"), ("d", "")]);
        assert!(p.bool("a").unwrap());
        assert!(p.bool("b").unwrap());
        assert!(!p.bool("d").unwrap());
        assert!(!p.bool("missing").unwrap());
        let err = p.bool("c").unwrap_err().to_string();
        assert_eq!(err, "Error decoding boolean for 'c': strconv.ParseBool: parsing \"no\": invalid syntax");
    }

    #[test]
    fn integers_and_first_value_wins() {
        let p = params(&[("limit", "5"), ("limit", "9"), ("offset", "-2"), ("cid", "x")]);
        assert_eq!(p.int("limit").unwrap(), 5);
        assert_eq!(p.int("offset").unwrap(), -2);
        assert!(p.uint("cid").unwrap_err().to_string().starts_with("Error decoding uint64 for 'cid'"));
    }
}
