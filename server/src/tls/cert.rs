//! Names in a client certificate, and the configured user they map to (`verify_and_map`).
//!
//! Input: the DER of the client's leaf certificate and the names of the configured users. Output:
//! [`PeerNames`], and through [`PeerNames::map_user`] the user the certificate stands for.
//!
//! The rules are nats-server's (`checkClientTLSCertSubject`), tried in this order, first match wins:
//! 1. each e-mail subject alternative name, then each DNS name, then each URI, as a literal user name;
//! 2. the subject as a distinguished name ([`Dn`], go-ldap's reading of the raw subject), equal to a
//!    user name parsed as a DN, first position by position, then with the RDNs in any order;
//! 3. the subject printed the way Go prints `pkix.Name` (`CN=alice,OU=ops,O=Acme,C=US`) followed by its
//!    `DC=` components, as a literal user name;
//! 4. that subject string without the `DC=` components.
//!
//! It does not verify the certificate (the TLS handshake did) and knows nothing of passwords or
//! permissions.

use x509_parser::asn1_rs::Tag;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::x509::{AttributeTypeAndValue, X509Name};

/// Why a peer certificate could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error("malformed certificate: {0}")]
    Malformed(String),
}

/// Attribute types go-ldap knows by name; a subject with any other type has no [`Dn`].
const LDAP_TYPES: &[(&str, &str)] = &[
    ("2.5.4.3", "CN"),
    ("2.5.4.5", "SERIALNUMBER"),
    ("2.5.4.6", "C"),
    ("2.5.4.7", "L"),
    ("2.5.4.8", "ST"),
    ("2.5.4.9", "STREET"),
    ("2.5.4.10", "O"),
    ("2.5.4.11", "OU"),
    ("2.5.4.17", "POSTALCODE"),
    (DC_OID, "DC"),
];

/// `domainComponent`.
const DC_OID: &str = "0.9.2342.19200300.100.1.25";

/// One attribute of a distinguished name: its type name and string value.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Attribute {
    kind: String,
    value: String,
}

impl Attribute {
    /// Types compare without case, values exactly (go-ldap).
    fn matches(&self, other: &Attribute) -> bool {
        self.kind.eq_ignore_ascii_case(&other.kind) && self.value == other.value
    }
}

/// A relative distinguished name: one or more attributes whose order does not matter.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rdn(Vec<Attribute>);

impl Rdn {
    fn matches(&self, other: &Rdn) -> bool {
        let covers = |a: &Rdn, b: &Rdn| b.0.iter().all(|x| a.0.iter().any(|y| y.matches(x)));
        self.0.len() == other.0.len() && covers(self, other) && covers(other, self)
    }
}

/// A distinguished name, most specific RDN first (RFC 4514 order), as go-ldap holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dn(Vec<Rdn>);

impl Dn {
    /// Parses an RFC 4514 string the way go-ldap's `ParseDN` does (escapes `\,` and `\2C`, leading and
    /// trailing spaces dropped, `#` BER values refused). `None` when it is not a DN.
    pub fn parse(text: &str) -> Option<Dn> {
        let bytes = text.as_bytes();
        let mut rdns = Vec::new();
        let mut rdn = Vec::new();
        let mut buf: Vec<u8> = Vec::new();
        let mut kind = String::new();
        let mut escaping = false;
        let mut trailing_spaces = 0usize;
        let take = |buf: &mut Vec<u8>, trailing: &mut usize| {
            let s = String::from_utf8_lossy(&buf[..buf.len() - *trailing]).into_owned();
            buf.clear();
            *trailing = 0;
            s
        };
        let mut i = 0;
        while i < bytes.len() {
            let c = bytes[i];
            if escaping {
                trailing_spaces = 0;
                escaping = false;
                if b" \"#+,;<=>\\".contains(&c) {
                    buf.push(c);
                } else {
                    let pair = bytes.get(i..i + 2)?;
                    if !pair.iter().all(u8::is_ascii_hexdigit) {
                        return None;
                    }
                    buf.push(u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?);
                    i += 1;
                }
                i += 1;
                continue;
            }
            match c {
                b'\\' => {
                    trailing_spaces = 0;
                    escaping = true;
                }
                b'=' => {
                    kind = take(&mut buf, &mut trailing_spaces);
                    if bytes.get(i + 1) == Some(&b'#') {
                        return None;
                    }
                }
                b',' | b'+' => {
                    if kind.is_empty() {
                        return None;
                    }
                    let value = take(&mut buf, &mut trailing_spaces);
                    rdn.push(Attribute { kind: std::mem::take(&mut kind), value });
                    if c == b',' {
                        rdns.push(Rdn(std::mem::take(&mut rdn)));
                    }
                }
                b' ' if buf.is_empty() => {}
                _ => {
                    trailing_spaces = if c == b' ' { trailing_spaces + 1 } else { 0 };
                    buf.push(c);
                }
            }
            i += 1;
        }
        if !buf.is_empty() {
            if kind.is_empty() {
                return None;
            }
            let value = take(&mut buf, &mut trailing_spaces);
            rdn.push(Attribute { kind, value });
            rdns.push(Rdn(rdn));
        }
        Some(Dn(rdns))
    }

    /// The certificate subject as go-ldap's `FromRawCertSubject` reads it: RDNs and their attributes
    /// reversed; `None` when an attribute has a type outside [`LDAP_TYPES`] or a non-string value.
    fn from_subject(subject: &X509Name<'_>) -> Option<Dn> {
        let mut rdns = Vec::new();
        for rdn in subject.iter_rdn().collect::<Vec<_>>().into_iter().rev() {
            let attrs: Vec<_> = rdn.iter().collect();
            if attrs.is_empty() {
                continue;
            }
            let mut out = Vec::with_capacity(attrs.len());
            for atv in attrs.into_iter().rev() {
                let oid = atv.attr_type().to_id_string();
                let (_, name) = LDAP_TYPES.iter().find(|(o, _)| *o == oid)?;
                out.push(Attribute { kind: (*name).to_string(), value: attr_string(atv)? });
            }
            rdns.push(Rdn(out));
        }
        Some(Dn(rdns))
    }

    /// Same RDNs in the same positions (RFC 4517 distinguishedNameMatch).
    fn matches(&self, other: &Dn) -> bool {
        self.0.len() == other.0.len() && self.0.iter().zip(&other.0).all(|(a, b)| a.matches(b))
    }

    /// Same RDNs in any order.
    fn rdns_match(&self, other: &Dn) -> bool {
        if self.0.len() != other.0.len() {
            return false;
        }
        let mut used = vec![false; other.0.len()];
        self.0.iter().all(|mine| match other.0.iter().enumerate().position(|(j, o)| !used[j] && mine.matches(o)) {
            Some(j) => {
                used[j] = true;
                true
            }
            None => false,
        })
    }
}

/// The string value of an attribute, for the string types Go's `asn1` decodes into a `string`.
fn attr_string(atv: &AttributeTypeAndValue<'_>) -> Option<String> {
    let any = atv.attr_value();
    let data = any.data;
    match any.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::NumericString => {
            std::str::from_utf8(data).ok().map(str::to_string)
        }
        Tag::TeletexString => Some(data.iter().map(|&b| char::from(b)).collect()),
        Tag::BmpString => {
            let units: Vec<u16> = data.chunks_exact(2).map(|p| u16::from_be_bytes([p[0], p[1]])).collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

/// Escapes a value as Go's `pkix.RDNSequence.String` does.
fn escape_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let last = value.len().saturating_sub(1);
    for (k, c) in value.char_indices() {
        let escape = match c {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' => true,
            ' ' => k == 0 || k == last,
            '#' => k == 0,
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The subject as Go prints `cert.Subject.ToRDNSequence().String()`: the attributes Go's `pkix.Name`
/// keeps (C, ST, L, STREET, POSTALCODE, O, OU, the last CN, the last SERIALNUMBER), grouped by type in
/// that order, one RDN per type, printed last group first. Other attributes (DC, e-mail) do not appear.
fn go_subject_string(subject: &X509Name<'_>) -> String {
    const ORDER: &[(&str, &str, bool)] = &[
        ("2.5.4.6", "C", false),
        ("2.5.4.8", "ST", false),
        ("2.5.4.7", "L", false),
        ("2.5.4.9", "STREET", false),
        ("2.5.4.17", "POSTALCODE", false),
        ("2.5.4.10", "O", false),
        ("2.5.4.11", "OU", false),
        ("2.5.4.3", "CN", true),
        ("2.5.4.5", "SERIALNUMBER", true),
    ];
    let mut values: Vec<Vec<String>> = vec![Vec::new(); ORDER.len()];
    for atv in subject.iter_attributes() {
        let oid = atv.attr_type().to_id_string();
        let (Some(slot), Some(value)) = (ORDER.iter().position(|(o, _, _)| *o == oid), attr_string(atv)) else {
            continue;
        };
        if ORDER[slot].2 {
            // A single-valued field: the last one wins, an empty one is left out.
            values[slot] = if value.is_empty() { Vec::new() } else { vec![value] };
        } else {
            values[slot].push(value);
        }
    }
    let groups: Vec<String> = ORDER
        .iter()
        .zip(&values)
        .filter(|(_, v)| !v.is_empty())
        .map(|((_, name, _), v)| {
            v.iter().map(|value| format!("{name}={}", escape_value(value))).collect::<Vec<_>>().join("+")
        })
        .collect();
    groups.into_iter().rev().collect::<Vec<_>>().join(",")
}

/// The `DC=` components of the subject in certificate order, comma-separated (nats-server's
/// `getTLSAuthDCs`).
fn domain_components(subject: &X509Name<'_>) -> String {
    subject
        .iter_attributes()
        .filter(|atv| atv.attr_type().to_id_string() == DC_OID)
        .filter_map(|atv| attr_string(atv).map(|v| format!("DC={v}")))
        .collect::<Vec<_>>()
        .join(",")
}

/// What a client certificate says about who holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerNames {
    /// Subject alternative names of type e-mail (rfc822Name).
    pub emails: Vec<String>,
    /// Subject alternative names of type DNS name.
    pub dns_names: Vec<String>,
    /// Subject alternative names of type URI.
    pub uris: Vec<String>,
    /// The subject as go-ldap reads it, when every attribute type is one it knows.
    dn: Option<Dn>,
    /// The subject as Go prints it (see the module documentation).
    pub subject: String,
    /// The subject's `DC=` components, comma-separated.
    dcs: String,
}

impl PeerNames {
    /// Reads the names of a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Self, CertError> {
        let (_, cert) = X509Certificate::from_der(der).map_err(|e| CertError::Malformed(e.to_string()))?;
        let mut names = PeerNames::from_subject(cert.subject());
        let san = cert.subject_alternative_name().map_err(|e| CertError::Malformed(e.to_string()))?;
        for name in san.iter().flat_map(|ext| ext.value.general_names.iter()) {
            match name {
                GeneralName::RFC822Name(s) => names.emails.push((*s).to_string()),
                GeneralName::DNSName(s) => names.dns_names.push((*s).to_string()),
                GeneralName::URI(s) => names.uris.push((*s).to_string()),
                _ => {}
            }
        }
        Ok(names)
    }

    /// The names of a subject, without alternative names.
    fn from_subject(subject: &X509Name<'_>) -> Self {
        PeerNames {
            emails: Vec::new(),
            dns_names: Vec::new(),
            uris: Vec::new(),
            dn: Dn::from_subject(subject),
            subject: go_subject_string(subject),
            dcs: domain_components(subject),
        }
    }

    /// The first of `users` this certificate stands for, by the rules in the module documentation.
    pub fn map_user<'u>(&self, users: &[&'u str]) -> Option<&'u str> {
        let literal = |name: &str| users.iter().copied().find(|u| *u == name);
        for name in self.emails.iter().chain(&self.dns_names).chain(&self.uris) {
            if let Some(user) = literal(name) {
                return Some(user);
            }
        }
        if let Some(cert_dn) = &self.dn {
            let parsed: Vec<(&'u str, Dn)> = users.iter().filter_map(|u| Dn::parse(u).map(|dn| (*u, dn))).collect();
            let found = parsed
                .iter()
                .find(|(_, dn)| dn.matches(cert_dn))
                .or_else(|| parsed.iter().find(|(_, dn)| dn.rdns_match(cert_dn)));
            if let Some((user, _)) = found {
                return Some(user);
            }
        }
        if !self.dcs.is_empty() {
            if let Some(user) = literal(&format!("{},{}", self.subject, self.dcs)) {
                return Some(user);
            }
        }
        literal(&self.subject)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, SanType};

    const CN: &[u64] = &[2, 5, 4, 3];
    const OU: &[u64] = &[2, 5, 4, 11];
    const O: &[u64] = &[2, 5, 4, 10];
    const C: &[u64] = &[2, 5, 4, 6];
    const DC: &[u64] = &[0, 9, 2342, 19200300, 100, 1, 25];

    fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
        assert!(body.len() < 128, "short form lengths only");
        let mut out = vec![tag, body.len() as u8];
        out.extend_from_slice(body);
        out
    }

    fn oid(arcs: &[u64]) -> Vec<u8> {
        let mut body = vec![(arcs[0] * 40 + arcs[1]) as u8];
        for &arc in &arcs[2..] {
            let mut groups = vec![(arc & 0x7f) as u8];
            let mut rest = arc >> 7;
            while rest > 0 {
                groups.push((rest & 0x7f) as u8 | 0x80);
                rest >>= 7;
            }
            body.extend(groups.into_iter().rev());
        }
        tlv(0x06, &body)
    }

    /// The names of a subject given as RDNs of (type, UTF8String value), in certificate order.
    fn subject(rdns: &[&[(&[u64], &str)]]) -> PeerNames {
        let mut seq = Vec::new();
        for rdn in rdns {
            let mut set = Vec::new();
            for (kind, value) in *rdn {
                let mut atv = oid(kind);
                atv.extend(tlv(0x0c, value.as_bytes()));
                set.extend(tlv(0x30, &atv));
            }
            seq.extend(tlv(0x31, &set));
        }
        let der = tlv(0x30, &seq);
        let (_, name) = X509Name::from_der(&der).expect("name");
        PeerNames::from_subject(&name)
    }

    fn cert(dn: &[(DnType, &str)], sans: Vec<SanType>) -> Vec<u8> {
        let mut params = CertificateParams::default();
        let mut name = DistinguishedName::new();
        for (kind, value) in dn {
            name.push(kind.clone(), *value);
        }
        params.distinguished_name = name;
        params.subject_alt_names = sans;
        let key = KeyPair::generate().expect("key");
        params.self_signed(&key).expect("cert").der().to_vec()
    }

    fn names(dn: &[(DnType, &str)], sans: Vec<SanType>) -> PeerNames {
        PeerNames::from_der(&cert(dn, sans)).expect("parses")
    }

    fn email(s: &str) -> SanType {
        SanType::Rfc822Name(s.try_into().expect("ia5"))
    }

    fn dns(s: &str) -> SanType {
        SanType::DnsName(s.try_into().expect("ia5"))
    }

    #[test]
    fn subject_prints_like_go_pkix_name() {
        let n = names(
            &[(DnType::CountryName, "US"), (DnType::OrganizationName, "Acme, Inc."), (DnType::CommonName, "alice")],
            vec![],
        );
        assert_eq!(n.subject, "CN=alice,O=Acme\\, Inc.,C=US");
    }

    #[test]
    fn go_groups_attributes_by_type_in_its_own_order() {
        let n = subject(&[&[(CN, "bob")], &[(OU, "ops")], &[(O, "Acme")], &[(OU, "dev")], &[(C, "DE")]]);
        assert_eq!(n.subject, "CN=bob,OU=ops+OU=dev,O=Acme,C=DE");
    }

    #[test]
    fn email_san_wins_over_dns_san_and_subject() {
        let n = names(&[(DnType::CommonName, "carol")], vec![dns("carol.example.com"), email("carol@example.com")]);
        let users = ["CN=carol", "carol.example.com", "carol@example.com"];
        assert_eq!(n.map_user(&users), Some("carol@example.com"));
        assert_eq!(n.map_user(&users[..2]), Some("carol.example.com"));
        assert_eq!(n.map_user(&users[..1]), Some("CN=carol"));
        assert_eq!(n.map_user(&["someone"]), None);
    }

    #[test]
    fn subject_dn_matches_users_written_with_other_spacing_case_and_order() {
        let n = names(&[(DnType::OrganizationName, "Acme"), (DnType::CommonName, "dave")], vec![]);
        assert_eq!(n.map_user(&["cn=dave, o=Acme"]), Some("cn=dave, o=Acme"));
        assert_eq!(n.map_user(&["O=Acme,CN=dave"]), Some("O=Acme,CN=dave"), "reordered RDNs still match");
        assert_eq!(n.map_user(&["CN=dave,O=acme"]), None, "values compare with case");
    }

    #[test]
    fn exact_dn_match_is_preferred_over_reordered_one() {
        let n = names(&[(DnType::OrganizationName, "Acme"), (DnType::CommonName, "erin")], vec![]);
        assert_eq!(n.map_user(&["O=Acme,CN=erin", "CN=erin,O=Acme"]), Some("CN=erin,O=Acme"));
    }

    #[test]
    fn domain_components_are_appended_to_the_go_subject() {
        let n = subject(&[&[(DC, "org")], &[(DC, "example")], &[(CN, "frank")]]);
        assert_eq!(n.subject, "CN=frank");
        assert_eq!(n.map_user(&["CN=frank,DC=org,DC=example"]), Some("CN=frank,DC=org,DC=example"));
        // go-ldap reads the raw subject most specific first: CN, then DC=example, then DC=org.
        assert_eq!(n.map_user(&["CN=frank,DC=example,DC=org"]), Some("CN=frank,DC=example,DC=org"));
        assert_eq!(n.map_user(&["CN=frank"]), Some("CN=frank"));
    }

    #[test]
    fn multi_valued_rdns_of_the_subject_match_in_any_attribute_order() {
        let n = subject(&[&[(O, "Acme")], &[(CN, "hal"), (OU, "ops")]]);
        assert_eq!(n.map_user(&["OU=ops+CN=hal,O=Acme"]), Some("OU=ops+CN=hal,O=Acme"));
        assert_eq!(n.map_user(&["O=Acme,OU=ops,CN=hal"]), None, "two RDNs are not one");
        // Go's subject string flattens the multi-valued RDN, so this literal form maps too.
        assert_eq!(n.subject, "CN=hal,OU=ops,O=Acme");
        assert_eq!(n.map_user(&["CN=hal,OU=ops,O=Acme"]), Some("CN=hal,OU=ops,O=Acme"));
    }

    #[test]
    fn unknown_attribute_types_disable_only_the_dn_match() {
        let n = subject(&[&[(CN, "gina")], &[(&[1, 2, 840, 113549, 1, 9, 1], "gina@example.com")]]);
        assert!(n.dn.is_none());
        assert_eq!(n.map_user(&["cn=gina"]), None, "no DN comparison without a DN");
        assert_eq!(n.map_user(&["CN=gina"]), Some("CN=gina"), "the Go subject string still maps");
    }

    #[test]
    fn dn_parsing_follows_go_ldap() {
        let dn = Dn::parse(" CN = a\\,b , O=x\\2Cy+OU=z ").expect("dn");
        assert_eq!(dn.0.len(), 2);
        assert_eq!(dn.0[0].0, vec![Attribute { kind: "CN".into(), value: "a,b".into() }]);
        assert_eq!(dn.0[1].0[0].value, "x,y");
        assert_eq!(dn.0[1].0[1], Attribute { kind: "OU".into(), value: "z".into() });
        assert!(Dn::parse("alice").is_none(), "a plain name is not a DN");
        assert!(Dn::parse("CN=#0403").is_none(), "BER values are refused");
        assert!(Dn::parse("CN=a\\zz").is_none(), "bad hex escape");
        assert!(Dn::parse(",CN=a").is_none(), "missing type");
    }

    #[test]
    fn rdn_attribute_order_does_not_matter() {
        let a = Dn::parse("CN=a+OU=b,O=c").expect("a");
        let b = Dn::parse("ou=b+cn=a,o=c").expect("b");
        assert!(a.matches(&b));
        assert!(!a.matches(&Dn::parse("CN=a,O=c").expect("c")));
    }

    #[test]
    fn go_escapes_leading_hash_and_edge_spaces() {
        assert_eq!(escape_value("#x y "), "\\#x y\\ ");
        assert_eq!(escape_value(" a;b"), "\\ a\\;b");
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        assert!(PeerNames::from_der(b"not a certificate").is_err());
    }
}
