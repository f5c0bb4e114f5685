//! Hiding secrets that agent configurations carry in URLs (`user:pass@`,
//! `?api_key=…`) before a URL or a message naming one is shown, stored or
//! logged. Header values are never shown at all; URLs go through here.

const HIDDEN: &str = "***";

/// `url` with its userinfo, query values and fragment replaced by `***`:
/// `http://u:p@host/x?api_key=s&q` → `http://***@host/x?api_key=***&***`.
pub fn redact_url(url: &str) -> String {
    let (head, fragment) = match url.split_once('#') {
        Some((head, _)) => (head, Some(HIDDEN)),
        None => (url, None),
    };
    let (head, query) = match head.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (head, None),
    };
    let mut out = String::with_capacity(url.len());
    match head.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
            out.push_str(scheme);
            out.push_str("://");
            match authority.rsplit_once('@') {
                Some((_, host)) => {
                    out.push_str(HIDDEN);
                    out.push('@');
                    out.push_str(host);
                }
                None => out.push_str(authority),
            }
            out.push_str(path);
        }
        None => out.push_str(head),
    }
    if let Some(query) = query {
        out.push('?');
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) => format!("{key}={HIDDEN}"),
                None if pair.is_empty() => String::new(),
                None => HIDDEN.to_string(),
            })
            .collect();
        out.push_str(&pairs.join("&"));
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

/// Where a URL inside free text ends.
fn ends_url(c: char) -> bool {
    c.is_whitespace() || matches!(c, '"' | '\'' | '`' | ')' | '(' | '<' | '>' | '[' | ']' | '{' | '}')
}

/// `text` with every `http://` or `https://` URL in it redacted; for error
/// messages and log lines, which may quote a URL anywhere.
pub fn redact_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = [rest.find("http://"), rest.find("https://")].into_iter().flatten().min();
        let Some(start) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..start]);
        let url = &rest[start..];
        let end = url.find(ends_url).unwrap_or(url.len());
        out.push_str(&redact_url(&url[..end]));
        rest = &url[end..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_userinfo_query_values_and_fragments() {
        assert_eq!(
            redact_url("http://user:pass@127.0.0.1:9/x?api_key=SECRET&b=2&flag#frag"),
            "http://***@127.0.0.1:9/x?api_key=***&b=***&***#***"
        );
        assert_eq!(redact_url("https://api.openai.com/v1"), "https://api.openai.com/v1");
        assert_eq!(redact_url("http://host?"), "http://host?");
        assert_eq!(redact_url("http://a@b@host/p@q"), "http://***@host/p@q");
        assert_eq!(redact_url("not a url?k=v"), "not a url?k=***");
    }

    #[test]
    fn finds_urls_inside_messages() {
        let text = "POST http://u:SECRET@h/x?key=SECRET failed: error sending request for url (https://h/?t=SECRET)";
        let redacted = redact_text(text);
        assert!(!redacted.contains("SECRET"), "{redacted}");
        assert_eq!(redacted, "POST http://***@h/x?key=*** failed: error sending request for url (https://h/?t=***)");
        assert_eq!(redact_text("no urls here"), "no urls here");
        assert_eq!(redact_text("ünïcode http://h/?ä=ö ß"), "ünïcode http://h/?ä=*** ß");
    }
}
