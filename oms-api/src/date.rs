//! UTC dates as the wire writes them: the signature's `X-Sdk-Date`, the
//! ECS metadata service's RFC 3339 expiry, an answer's RFC 2822 `Date`.
//! Proleptic Gregorian calendar, years 1 to 9999, no leap seconds (a `:60`
//! is refused, as every clock this client talks to writes none).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A moment to the second, in UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Civil {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
#[cfg(any(test, feature = "local-server"))]
const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

/// Days from 1970-01-01 to the given date (before it: negative).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl Civil {
    /// The moment `seconds` after 1970-01-01T00:00:00Z (before it when
    /// negative), if its year is 1 to 9999.
    pub fn from_unix(seconds: i64) -> Option<Self> {
        let days = seconds.div_euclid(86_400);
        let of_day = seconds.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z - era * 146_097;
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let shifted_month = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
        let month = if shifted_month < 10 {
            shifted_month + 3
        } else {
            shifted_month - 9
        };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        Some(Self {
            year: u16::try_from(year)
                .ok()
                .filter(|y| (1..=9999).contains(y))?,
            month: u8::try_from(month).ok()?,
            day: u8::try_from(day).ok()?,
            hour: u8::try_from(of_day / 3600).ok()?,
            minute: u8::try_from(of_day % 3600 / 60).ok()?,
            second: u8::try_from(of_day % 60).ok()?,
        })
    }

    pub fn from_system(time: SystemTime) -> Option<Self> {
        let seconds = match time.duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_secs()).ok()?,
            Err(before) => {
                // A fraction before a whole second belongs to the second
                // before it.
                let before = before.duration();
                let whole = i64::try_from(before.as_secs()).ok()?;
                -whole - i64::from(before.subsec_nanos() > 0)
            }
        };
        Self::from_unix(seconds)
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix(&self) -> i64 {
        let days = days_from_civil(
            i64::from(self.year),
            i64::from(self.month),
            i64::from(self.day),
        );
        days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }

    pub fn system(&self) -> SystemTime {
        let seconds = self.unix();
        match u64::try_from(seconds) {
            Ok(after) => UNIX_EPOCH + Duration::from_secs(after),
            Err(_) => UNIX_EPOCH - Duration::from_secs(seconds.unsigned_abs()),
        }
    }

    /// From its parts (year, month, day, hour, minute, second), if they
    /// name a moment.
    fn new([year, month, day, hour, minute, second]: [u16; 6]) -> Option<Self> {
        let small = |part: u16, range: std::ops::RangeInclusive<u8>| {
            u8::try_from(part).ok().filter(|part| range.contains(part))
        };
        let month = small(month, 1..=12)?;
        if !(1..=9999).contains(&year) {
            return None;
        }
        Some(Self {
            year,
            month,
            day: small(day, 1..=days_in_month(year, month))?,
            hour: small(hour, 0..=23)?,
            minute: small(minute, 0..=59)?,
            second: small(second, 0..=59)?,
        })
    }

    /// From the digits at `starts` in `text`: four of the year, then two
    /// of each other part.
    fn at(text: &[u8], starts: [usize; 6]) -> Option<Self> {
        let mut parts = [0; 6];
        for (part, (index, start)) in parts.iter_mut().zip(starts.into_iter().enumerate()) {
            let width = if index == 0 { 4 } else { 2 };
            *part = digits(text.get(start..start + width)?)?;
        }
        Self::new(parts)
    }

    /// `YYYYMMDDTHHMMSSZ`, the signature's date.
    pub fn compact(&self) -> [u8; 16] {
        let mut text = *b"00000000T000000Z";
        let mut put = |at: usize, width: usize, mut value: u16| {
            for index in (at..at + width).rev() {
                text[index] = b'0' + (value % 10) as u8;
                value /= 10;
            }
        };
        put(0, 4, self.year);
        put(4, 2, self.month.into());
        put(6, 2, self.day.into());
        put(9, 2, self.hour.into());
        put(11, 2, self.minute.into());
        put(13, 2, self.second.into());
        text
    }

    /// Parses `YYYYMMDDTHHMMSSZ`.
    pub fn parse_compact(text: &[u8]) -> Option<Self> {
        let text: &[u8; 16] = text.try_into().ok()?;
        if text[8] != b'T' || text[15] != b'Z' {
            return None;
        }
        Self::at(text, [0, 4, 6, 9, 11, 13])
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub fn iso(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// `Thu, 03 Dec 2026 06:41:20 GMT`, the HTTP date (the local OMS's).
    #[cfg(any(test, feature = "local-server"))]
    pub fn http(&self) -> String {
        let weekday = WEEKDAYS
            [usize::try_from(self.unix().div_euclid(86_400).rem_euclid(7)).expect("0 to 6")];
        format!(
            "{weekday}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
            self.day,
            MONTHS[usize::from(self.month - 1)],
            self.year,
            self.hour,
            self.minute,
            self.second
        )
    }
}

/// The value of ASCII digits (1 to 4 of them).
fn digits(text: &[u8]) -> Option<u16> {
    if text.is_empty() || text.len() > 4 || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        text.iter()
            .fold(0, |value, digit| value * 10 + u16::from(digit - b'0')),
    )
}

/// An RFC 3339 time (`2026-12-03T06:41:20Z`, `...20.123456+08:00`), to the
/// second (a fraction is dropped).
pub(crate) fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let bytes = text.as_bytes();
    if bytes.len() < 20
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || !matches!(bytes[10], b'T' | b't' | b' ')
        || bytes[13] != b':'
        || bytes[16] != b':'
    {
        return None;
    }
    let civil = Civil::at(bytes, [0, 5, 8, 11, 14, 17])?;
    let mut rest = &bytes[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let count = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if count == 0 {
            return None;
        }
        rest = &fraction[count..];
    }
    let offset = match rest {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = digits(&[*h1, *h2])?;
            let minutes = digits(&[*m1, *m2])?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = i64::from(hours) * 3600 + i64::from(minutes) * 60;
            if *sign == b'+' { seconds } else { -seconds }
        }
        _ => return None,
    };
    Civil::from_unix(civil.unix() - offset).map(|utc| utc.system())
}

/// An RFC 2822 date as HTTP's `Date` carries it (`Thu, 03 Dec 2026
/// 06:41:20 GMT`; the weekday optional and not checked, one- or two-digit
/// days, `GMT`, `UT`, `UTC`, `Z` or a `+hhmm` zone).
pub(crate) fn parse_http(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    let text = match text.split_once(',') {
        Some((weekday, rest)) if weekday.trim().len() == 3 => rest,
        Some(_) => return None,
        None => text,
    };
    let mut parts = text.split_ascii_whitespace();
    let day = digits(parts.next()?.as_bytes())?;
    let month = parts.next()?;
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(month))?;
    let year = parts.next()?;
    if year.len() != 4 {
        return None;
    }
    let year = digits(year.as_bytes())?;
    let mut clock = parts.next()?.split(':');
    let mut next = || -> Option<u16> {
        let part = clock.next()?;
        if part.len() != 2 {
            return None;
        }
        digits(part.as_bytes())
    };
    let (hour, minute) = (next()?, next()?);
    let second = next().unwrap_or(0);
    if next().is_some() {
        return None;
    }
    let offset = match parts.next()? {
        "GMT" | "UT" | "UTC" | "Z" => 0,
        zone => {
            let bytes = zone.as_bytes();
            let [sign @ (b'+' | b'-'), h1, h2, m1, m2] = bytes else {
                return None;
            };
            let hours = digits(&[*h1, *h2])?;
            let minutes = digits(&[*m1, *m2])?;
            if minutes > 59 {
                return None;
            }
            let seconds = i64::from(hours) * 3600 + i64::from(minutes) * 60;
            if *sign == b'+' { seconds } else { -seconds }
        }
    };
    if parts.next().is_some() {
        return None;
    }
    let month = u16::try_from(month + 1).ok()?;
    let civil = Civil::new([year, month, day, hour, minute, second])?;
    Civil::from_unix(civil.unix() - offset).map(|utc| utc.system())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// chrono, the reference (a dependency of the tests only).
    fn chrono_of(seconds: i64) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp(seconds, 0).unwrap()
    }

    /// 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
    const FIRST: i64 = -62_135_596_800;
    const LAST: i64 = 253_402_300_799;

    proptest! {
        #[test]
        fn every_second_of_years_1_to_9999_agrees_with_chrono(seconds in FIRST..=LAST) {
            let civil = Civil::from_unix(seconds).unwrap();
            let reference = chrono_of(seconds);
            prop_assert_eq!(civil.unix(), seconds);
            let compact = civil.compact();
            prop_assert_eq!(
                std::str::from_utf8(&compact).unwrap(),
                reference.format("%Y%m%dT%H%M%SZ").to_string()
            );
            prop_assert_eq!(civil.iso(), reference.format("%Y-%m-%dT%H:%M:%SZ").to_string());
            prop_assert_eq!(civil.http(), reference.format("%a, %d %b %Y %H:%M:%S GMT").to_string());
            prop_assert_eq!(Civil::parse_compact(&civil.compact()), Some(civil));
            prop_assert_eq!(parse_http(&civil.http()), Some(civil.system()));
            prop_assert_eq!(parse_rfc3339(&civil.iso()), Some(civil.system()));
        }

        #[test]
        fn offsets_and_fractions_agree_with_chrono(
            seconds in 0i64..=LAST - 86_400,
            offset_minutes in -1439i64..=1439,
            fraction in proptest::option::of(0u32..1_000_000),
        ) {
            let local = Civil::from_unix(seconds + offset_minutes * 60).unwrap();
            let sign = if offset_minutes < 0 { '-' } else { '+' };
            let zone = format!("{sign}{:02}:{:02}", offset_minutes.abs() / 60, offset_minutes.abs() % 60);
            let fraction = fraction.map(|f| format!(".{f:06}")).unwrap_or_default();
            let text = format!("{}{fraction}{zone}", &civil_iso_without_zone(&local));
            let reference = chrono::DateTime::parse_from_rfc3339(&text).unwrap();
            prop_assert_eq!(reference.timestamp(), seconds);
            prop_assert_eq!(parse_rfc3339(&text), Some(UNIX_EPOCH + Duration::from_secs(seconds as u64)));
            let http_zone = zone.replace(':', "");
            let http = format!("{} {http_zone}", &local.http()[..25]);
            prop_assert_eq!(chrono::DateTime::parse_from_rfc2822(&http).unwrap().timestamp(), seconds);
            prop_assert_eq!(parse_http(&http), Some(UNIX_EPOCH + Duration::from_secs(seconds as u64)));
        }

        #[test]
        fn any_text_is_parsed_or_refused_without_a_panic(text in "\\PC{0,40}") {
            let _ = parse_http(&text);
            let _ = parse_rfc3339(&text);
            let _ = Civil::parse_compact(text.as_bytes());
        }
    }

    fn civil_iso_without_zone(civil: &Civil) -> String {
        civil.iso().trim_end_matches('Z').to_owned()
    }

    #[test]
    fn refuses_what_is_not_a_moment() {
        for text in [
            "20240230T000000Z",
            "20241301T000000Z",
            "20240102T240000Z",
            "20240102T000060Z",
            "00000101T000000Z",
            "2024010xT000000Z",
            "20240102 000000Z",
        ] {
            assert_eq!(Civil::parse_compact(text.as_bytes()), None, "{text}");
        }
        for text in [
            "2026-12-03T06:41:20",
            "2026-12-03T06:41:60Z",
            "2026-12-03T06:41:20.Z",
            "2026-12-03T06:41:20+24:00",
            "2026-02-29T00:00:00Z",
            "2026-12-03T06:41:20Zjunk",
        ] {
            assert_eq!(parse_rfc3339(text), None, "{text}");
        }
        for text in [
            "Thu, 03 Dec 2026 06:41:20",
            "Thu, 32 Dec 2026 06:41:20 GMT",
            "Thu, 03 Dex 2026 06:41:20 GMT",
            "Thu, 03 Dec 26 06:41:20 GMT",
            "Thursday, 03 Dec 2026 06:41:20 GMT",
            "Thu, 03 Dec 2026 06:41:20 GMT junk",
            "Thu, 03 Dec 2026 6:41:20 GMT",
        ] {
            assert_eq!(parse_http(text), None, "{text}");
        }
        assert_eq!(
            parse_http("3 Dec 2026 06:41 GMT"),
            Some(UNIX_EPOCH + Duration::from_secs(1_796_280_060))
        );
        assert_eq!(Civil::from_unix(LAST + 1), None);
        assert_eq!(Civil::from_unix(FIRST - 1), None);
    }

    #[test]
    fn a_time_before_1970_keeps_its_second() {
        let time = UNIX_EPOCH - Duration::from_millis(1500);
        assert_eq!(
            Civil::from_system(time).unwrap().iso(),
            "1969-12-31T23:59:58Z"
        );
    }
}
