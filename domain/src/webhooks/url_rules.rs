//! Which URLs webhooks may be posted to. A partner's URL is chosen by whoever holds an
//! ADMIN key, so the server must not become their way into its own network (server-side
//! request forgery): only `https`, and never an address that is private, link-local,
//! loopback or otherwise not on the public internet, checked when the endpoint is
//! created and again on every address the name resolves to when posting (a name can be
//! re-pointed after creation). `LOYALTY_ALLOW_HTTP_WEBHOOKS=1` lets tests and local
//! development post to loopback, over plain `http` too.
use crate::{DomainError, Result};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use url::{Host, Url};

/// Longest endpoint URL accepted.
pub const MAX_URL_LEN: usize = 2048;

/// The server's rule for webhook addresses.
#[derive(Debug, Clone, Copy, Default)]
pub struct UrlRules {
    /// Loopback addresses allowed, over `http` or `https` (tests, local development).
    pub allow_loopback: bool,
}

impl UrlRules {
    /// Checks a URL given for an endpoint; a host that is an address is checked as one,
    /// a name is checked when posting.
    pub fn check(&self, raw: &str) -> Result<Url> {
        let bad = |why: &str| DomainError::invalid("url", why.to_owned());
        if raw.chars().count() > MAX_URL_LEN {
            return Err(bad("a URL has at most 2048 characters"));
        }
        let url = Url::parse(raw.trim()).map_err(|e| bad(&format!("not a URL: {e}")))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("a webhook URL carries no user or password"));
        }
        let host = url.host().ok_or_else(|| bad("the URL has no host"))?;
        let ip = match host {
            Host::Ipv4(a) => Some(IpAddr::V4(a)),
            Host::Ipv6(a) => Some(IpAddr::V6(a)),
            Host::Domain(d) => {
                let d = d.trim_end_matches('.').to_ascii_lowercase();
                (d == "localhost" || d.ends_with(".localhost"))
                    .then_some(IpAddr::V4(Ipv4Addr::LOCALHOST))
            }
        };
        let loopback = ip.is_some_and(|ip| canonical(ip).is_loopback());
        match url.scheme() {
            "https" => {}
            "http" if self.allow_loopback && loopback => {}
            _ => {
                return Err(bad(
                    "webhooks are posted over https only (http to loopback only with LOYALTY_ALLOW_HTTP_WEBHOOKS=1)",
                ));
            }
        }
        if let Some(ip) = ip {
            self.check_ip(ip).map_err(|why| bad(&why))?;
        }
        Ok(url)
    }

    /// Whether the server may connect to `ip`; the error says why not.
    pub fn check_ip(&self, ip: IpAddr) -> std::result::Result<(), String> {
        let ip = canonical(ip);
        if ip.is_loopback() {
            return if self.allow_loopback {
                Ok(())
            } else {
                Err(format!("{ip} is a loopback address"))
            };
        }
        if let Some(kind) = not_public(ip) {
            return Err(format!("{ip} is a {kind} address"));
        }
        Ok(())
    }
}

/// An IPv4 address written as IPv6 (`::ffff:10.0.0.1`) is checked as the IPv4 it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// What kind of non-public address `ip` is, if it is one (loopback aside).
fn not_public(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(a) => v4_kind(a),
        IpAddr::V6(a) => v6_kind(a),
    }
}

fn v4_kind(a: Ipv4Addr) -> Option<&'static str> {
    let [o1, o2, ..] = a.octets();
    if a.is_private() {
        Some("private")
    } else if a.is_link_local() {
        Some("link-local")
    } else if a.is_unspecified() || o1 == 0 {
        Some("unspecified")
    } else if o1 == 100 && (64..128).contains(&o2) {
        Some("shared (carrier-grade NAT)")
    } else if a.is_broadcast() || a.is_multicast() || o1 >= 240 {
        Some("broadcast, multicast or reserved")
    } else if a.is_documentation() || (o1 == 198 && (18..20).contains(&o2)) {
        Some("documentation or benchmarking")
    } else {
        None
    }
}

fn v6_kind(a: Ipv6Addr) -> Option<&'static str> {
    let first = a.segments()[0];
    if a.is_unspecified() {
        Some("unspecified")
    } else if first & 0xfe00 == 0xfc00 {
        Some("private (unique local)")
    } else if first & 0xffc0 == 0xfe80 {
        Some("link-local")
    } else if a.is_multicast() {
        Some("multicast")
    } else if let Some(v4) = a.to_ipv4() {
        // IPv4-compatible and NAT64 forms reach the IPv4 network.
        v4_kind(v4).or(v4.is_loopback().then_some("loopback"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: UrlRules = UrlRules {
        allow_loopback: false,
    };
    const LOCAL: UrlRules = UrlRules {
        allow_loopback: true,
    };

    #[test]
    fn only_https_to_public_addresses_without_the_flag() {
        assert!(STRICT.check("https://hooks.example.com/x").is_ok());
        assert!(STRICT.check("https://93.184.216.34/x").is_ok());
        for refused in [
            "http://hooks.example.com/x",
            "ftp://hooks.example.com/x",
            "https://127.0.0.1/x",
            "https://localhost/x",
            "https://10.1.2.3/x",
            "https://172.16.0.1/x",
            "https://192.168.1.1/x",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/x",
            "https://[fe80::1]/x",
            "https://[fd00::1]/x",
            "https://[::ffff:10.0.0.1]/x",
            "https://0.0.0.0/x",
            "https://100.64.0.1/x",
            "https://user:pw@hooks.example.com/x",
            "not a url",
        ] {
            assert!(STRICT.check(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn the_flag_opens_loopback_only() {
        assert!(LOCAL.check("http://127.0.0.1:9000/x").is_ok());
        assert!(LOCAL.check("http://localhost:9000/x").is_ok());
        assert!(LOCAL.check("http://[::1]:9000/x").is_ok());
        assert!(LOCAL.check("http://hooks.example.com/x").is_err());
        assert!(LOCAL.check("https://10.0.0.1/x").is_err());
        assert!(LOCAL.check("https://169.254.169.254/x").is_err());
        assert!(
            LOCAL
                .check_ip(
                    "192.168.0.1"
                        .parse()
                        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
                )
                .is_err()
        );
    }
}
