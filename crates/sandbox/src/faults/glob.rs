//! Path globs for fault rules: `*` matches within one path segment, `**` across segments, `?` one
//! character other than `/`; everything else matches itself.

pub fn glob_matches(pattern: &str, path: &str) -> bool {
    matches_from(pattern.as_bytes(), path.as_bytes())
}

fn matches_from(pattern: &[u8], path: &[u8]) -> bool {
    match pattern {
        [] => path.is_empty(),
        [b'*', b'*', rest @ ..] => (0..=path.len()).any(|skip| matches_from(rest, &path[skip..])),
        [b'*', rest @ ..] => {
            let segment_end = path.iter().position(|b| *b == b'/').unwrap_or(path.len());
            (0..=segment_end).any(|skip| matches_from(rest, &path[skip..]))
        }
        [b'?', rest @ ..] => matches!(path, [first, tail @ ..] if *first != b'/' && matches_from(rest, tail)),
        [literal, rest @ ..] => {
            matches!(path, [first, tail @ ..] if first == literal && matches_from(rest, tail))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &str, path: &str, expected: bool) {
        assert_eq!(glob_matches(pattern, path), expected, "{pattern} vs {path}");
    }

    #[test]
    fn globs() {
        let charges = "/entrata/integrations/int_1/properties/p1/charges";
        check("**", charges, true);
        check("/entrata/**", charges, true);
        check("/entrata/integrations/*/properties/*/charges", charges, true);
        check("/entrata/integrations/*/charges", charges, false);
        check("**/charges", charges, true);
        check("**/payments", charges, false);
        check("/entrata/integrations/int_?/properties/p1/charges", charges, true);
        check("/entrata/integrations/int_1/properties/p1/charges", charges, true);
        check("/entrata/integrations/int_1/properties/p1/charge", charges, false);
        check("*", "/x", false);
        check("/*", "/x", true);
        check("/*/sessions", "/a/b/sessions", false);
        check("", "", true);
    }
}
