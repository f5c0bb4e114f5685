//! Who may talk to this server, from where: the `Host` allow-list (DNS rebinding
//! stops here), the same-origin rule for cookie-authenticated writes, the
//! session cookie's attributes and the response headers every answer carries.

use axum::http::{HeaderMap, HeaderValue, Method};
use std::net::SocketAddr;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "observ_session";
/// How long a sign-in lasts without use; each day of use extends it.
pub const SESSION_TTL_MS: i64 = 14 * 24 * 3600 * 1000;

#[derive(Debug, Clone)]
pub struct Security {
    /// `host[:port]` values answered, lower case.
    allowed_hosts: Vec<String>,
    /// `Secure` cookies: set when `OBSERV_PUBLIC_URL` is https.
    pub secure_cookies: bool,
}

impl Security {
    /// Loopback names on the bound port, the bound address itself when it is a
    /// specific one, the host of `public_url`, and any `extra` hosts.
    pub fn new(bound: SocketAddr, public_url: Option<&str>, extra: &[String]) -> Result<Security, String> {
        let port = bound.port();
        let mut allowed_hosts = Vec::new();
        let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string(), "[::1]".to_string()];
        if !bound.ip().is_unspecified() && !bound.ip().is_loopback() {
            names.push(match bound {
                SocketAddr::V4(a) => a.ip().to_string(),
                SocketAddr::V6(a) => format!("[{}]", a.ip()),
            });
        }
        for name in names {
            allowed_hosts.push(format!("{name}:{port}"));
            if port == 80 {
                allowed_hosts.push(name);
            }
        }
        let mut secure_cookies = false;
        if let Some(url) = public_url.map(str::trim).filter(|u| !u.is_empty()) {
            let (scheme, authority) = split_url(url)
                .ok_or_else(|| format!("OBSERV_PUBLIC_URL: expected https://host[:port], found `{url}`"))?;
            secure_cookies = scheme == "https";
            allowed_hosts.push(authority.clone());
            let default_port = if secure_cookies { ":443" } else { ":80" };
            if let Some(bare) = authority.strip_suffix(default_port) {
                allowed_hosts.push(bare.to_string());
            } else if !authority.contains(':') || authority.ends_with(']') {
                allowed_hosts.push(format!("{authority}{default_port}"));
            }
        }
        for host in extra.iter().map(|h| h.trim().to_lowercase()).filter(|h| !h.is_empty()) {
            allowed_hosts.push(host);
        }
        Ok(Security { allowed_hosts, secure_cookies })
    }

    /// From `OBSERV_PUBLIC_URL` and `OBSERV_ALLOWED_HOSTS` (comma-separated `host[:port]`).
    pub fn from_env(bound: SocketAddr) -> Result<Security, String> {
        let public = std::env::var("OBSERV_PUBLIC_URL").ok();
        let extra: Vec<String> = std::env::var("OBSERV_ALLOWED_HOSTS")
            .map(|v| v.split(',').map(str::to_string).collect())
            .unwrap_or_default();
        Security::new(bound, public.as_deref(), &extra)
    }

    pub fn host_allowed(&self, host: &str) -> bool {
        let host = host.trim().to_lowercase();
        self.allowed_hosts.contains(&host)
    }

    /// The `Set-Cookie` value that signs a browser in.
    pub fn session_cookie(&self, token: &str) -> HeaderValue {
        let secure = if self.secure_cookies { "; Secure" } else { "" };
        let max_age = SESSION_TTL_MS / 1000;
        let value = format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
        HeaderValue::from_str(&value).expect("tokens are base64url")
    }

    /// The `Set-Cookie` value that signs a browser out.
    pub fn cleared_cookie(&self) -> HeaderValue {
        let secure = if self.secure_cookies { "; Secure" } else { "" };
        HeaderValue::from_str(&format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"))
            .expect("static cookie")
    }
}

/// `("https", "host:port")` of an absolute URL, lower case, without path.
fn split_url(url: &str) -> Option<(String, String)> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?.to_lowercase();
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some((scheme, authority))
}

/// Methods that change state and so need the same-origin proof.
pub fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether a request came from a page of this very server. `Origin` decides
/// when present (its host must be the request's `Host`); without it,
/// `Sec-Fetch-Site` must say same-origin. A request with neither header does
/// not come from a browser, so no browser was tricked into sending it.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("").to_lowercase();
    if let Some(origin) = headers.get("origin") {
        let Ok(origin) = origin.to_str() else { return false };
        return match split_url(origin) {
            Some((scheme, authority)) => {
                let default = if scheme == "https" { ":443" } else { ":80" };
                authority == host || authority.strip_suffix(default) == Some(host.as_str())
            }
            None => false, // "null" and anything unparsable
        };
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => site == "same-origin" || site == "none",
        None => true,
    }
}

/// The Content-Security-Policy of a response whose inline scripts carry `nonce`.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn hosts_are_loopback_on_the_port_plus_the_public_url() {
        let s = Security::new("127.0.0.1:3000".parse().unwrap(), Some("https://Observ.Example.com/"), &[]).unwrap();
        for ok in ["localhost:3000", "127.0.0.1:3000", "[::1]:3000", "observ.example.com", "OBSERV.example.com:443"] {
            assert!(s.host_allowed(ok), "{ok}");
        }
        for bad in ["attacker.example:3000", "localhost:3001", "localhost", "observ.example.com:3000"] {
            assert!(!s.host_allowed(bad), "{bad}");
        }
        assert!(s.secure_cookies);
        assert!(s.session_cookie("t").to_str().unwrap().ends_with("; Secure"));
        assert!(Security::new("0.0.0.0:3000".parse().unwrap(), Some("ftp://x"), &[]).is_err());
    }

    #[test]
    fn a_specific_bound_address_is_allowed_too() {
        let s = Security::new("10.0.0.5:8080".parse().unwrap(), None, &["observ.lan:8080".into()]).unwrap();
        assert!(s.host_allowed("10.0.0.5:8080") && s.host_allowed("observ.lan:8080"));
        assert!(!s.secure_cookies);
        assert!(!s.session_cookie("t").to_str().unwrap().contains("Secure"));
    }

    #[test]
    fn origin_must_match_the_host() {
        assert!(same_origin(&headers(&[("host", "127.0.0.1:3000"), ("origin", "http://127.0.0.1:3000")])));
        assert!(!same_origin(&headers(&[("host", "127.0.0.1:3000"), ("origin", "http://evil.example")])));
        assert!(!same_origin(&headers(&[("host", "127.0.0.1:3000"), ("origin", "null")])));
        assert!(same_origin(&headers(&[("host", "o.example.com"), ("origin", "https://o.example.com")])));
        assert!(!same_origin(&headers(&[("host", "127.0.0.1:3000"), ("sec-fetch-site", "cross-site")])));
        assert!(same_origin(&headers(&[("host", "127.0.0.1:3000"), ("sec-fetch-site", "same-origin")])));
        assert!(same_origin(&headers(&[("host", "127.0.0.1:3000")])), "not a browser");
    }
}
