//! Timestamp arithmetic and labels shared by pages and server.

/// Milliseconds since the Unix epoch of `YYYY-MM-DDTHH:MM:SS[.fff]Z`, the only
/// timestamp form Observ writes.
pub fn parse_timestamp_ms(ts: &str) -> Option<i64> {
    let b = ts.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| ts.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let millis = match b.get(19) {
        Some(b'.') => {
            let frac: String = ts[20..].chars().take_while(|c| c.is_ascii_digit()).take(3).collect();
            format!("{frac:0<3}").parse::<i64>().ok()?
        }
        _ => 0,
    };
    Some((days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s) * 1000 + millis)
}

/// A decimal number typed by a user (`0.5`, `.5`, `5.`, `-1`, `2e3`, `+3`).
/// It is read by serde_json's number parser, which the browser bundle carries
/// anyway: `str::parse::<f64>` would add core's float tables (~10 KB gzip) to
/// every page's first load.
pub fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    let (sign, digits) = match t.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", t.strip_prefix('+').unwrap_or(t)),
    };
    let (mantissa, exponent) = digits.split_at(digits.find(['e', 'E']).unwrap_or(digits.len()));
    if !mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.') || !mantissa.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    // JSON wants a digit on both sides of the point.
    let lead = if mantissa.starts_with('.') { "0" } else { "" };
    let trail = if mantissa.ends_with('.') { "0" } else { "" };
    serde_json::from_str::<f64>(&format!("{sign}{lead}{mantissa}{trail}{exponent}")).ok()
}

/// Milliseconds since the Unix epoch, by the server's clock (the browser has
/// no `SystemTime`; pages use `ui::now_ms`).
#[cfg(feature = "ssr")]
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
}

/// `YYYY-MM-DDTHH:MM:SS.fffZ` for milliseconds since the Unix epoch.
pub fn format_timestamp_ms(ms: i64) -> String {
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s, milli) = (rem / 3_600_000, rem / 60_000 % 60, rem / 1000 % 60, rem % 1000);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z")
}

/// The date of a day count since 1970-01-01 (inverse of `days_from_civil`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// "just now", "5 min ago", "3 h ago", "2 d ago" or the date.
pub fn age_label(ts: &str, now_ms: i64) -> String {
    let Some(then) = parse_timestamp_ms(ts) else {
        return ts.to_string();
    };
    let secs = (now_ms - then).max(0) / 1000;
    match secs {
        0..=59 => "just now".to_string(),
        60..=3599 => format!("{} min ago", secs / 60),
        3600..=86_399 => format!("{} h ago", secs / 3600),
        86_400..=2_592_000 => format!("{} d ago", secs / 86_400),
        _ => ts.get(0..10).unwrap_or(ts).to_string(),
    }
}

/// "850 ms", "12.3 s", "4 min 05 s".
pub fn duration_label(ms: i64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else {
        format!("{} min {:02} s", ms / 60_000, (ms % 60_000) / 1000)
    }
}

/// "$0.0123" with enough digits for fractions of a cent.
pub fn cost_label(usd: f64) -> String {
    if usd == 0.0 {
        "$0".to_string()
    } else if usd < 0.01 {
        format!("${usd:.6}")
    } else {
        format!("${usd:.4}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_type_them() {
        for (text, n) in [
            ("0.5", 0.5),
            (".5", 0.5),
            ("5.", 5.0),
            ("-1", -1.0),
            (" 2e3 ", 2000.0),
            ("+3", 3.0),
            ("-.25", -0.25),
            ("1.5E-2", 0.015),
        ] {
            assert_eq!(parse_number(text), Some(n), "{text}");
        }
        for text in ["", "-", ".", "abc", "1,5", "0x10", "1e", "NaN", "inf", "--1", "1 2", "+-1"] {
            assert_eq!(parse_number(text), None, "{text}");
        }
    }

    #[test]
    fn parses_observ_timestamps() {
        assert_eq!(parse_timestamp_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_timestamp_ms("1970-01-01T00:00:01.5Z"), Some(1500));
        assert_eq!(parse_timestamp_ms("2026-11-25T09:34:14.123Z"), Some(1_795_599_254_123));
        assert_eq!(parse_timestamp_ms("2000-02-29T12:00:00.000Z"), Some(951_825_600_000));
        assert_eq!(parse_timestamp_ms("yesterday"), None);
        for ts in ["1970-01-01T00:00:00.000Z", "2026-11-25T09:34:14.123Z", "2000-02-29T23:59:59.999Z"] {
            assert_eq!(format_timestamp_ms(parse_timestamp_ms(ts).unwrap()), ts);
        }
    }

    #[test]
    fn labels() {
        let t = "2026-11-25T09:00:00.000Z";
        let base = parse_timestamp_ms(t).unwrap();
        assert_eq!(age_label(t, base + 30_000), "just now");
        assert_eq!(age_label(t, base + 5 * 60_000), "5 min ago");
        assert_eq!(age_label(t, base + 3 * 3_600_000), "3 h ago");
        assert_eq!(age_label(t, base + 100 * 86_400_000), "2026-11-25");
        assert_eq!(duration_label(850), "850 ms");
        assert_eq!(duration_label(12_300), "12.3 s");
        assert_eq!(duration_label(245_000), "4 min 05 s");
        assert_eq!(cost_label(0.0), "$0");
        assert_eq!(cost_label(0.00123), "$0.001230");
        assert_eq!(cost_label(1.5), "$1.5000");
    }
}
