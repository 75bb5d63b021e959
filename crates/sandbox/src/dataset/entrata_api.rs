//! The dataset's optional `entrataApi` object: how the Entrata API sandbox (`/entrata-api`,
//! docs/sources.md section 7.1) is reached and throttled. Every key is optional, and a missing one
//! takes the default below, so a dataset without the object serves Entrata's own API as well.
//!
//! ```json
//! "entrataApi": {"org": "acme", "subdomain": "acme", "apiKey": "k-123",
//!                "username": "api-user", "password": "pw",
//!                "limits": {"day": 15000, "hour": 1000, "minute": 150}, "perPageMax": 1000}
//! ```

use serde_json::value::RawValue;

use super::check::{Checked, Problems, check_object};
use super::push_field_problems;
use super::raw::as_str;
use super::schema::{Field, Ty};

/// The location problems of this section are reported under.
const LOCATION: &str = "entrataApi";

const LIMITS: &[Field] = &[
    Field { name: "day", ty: Ty::Number, required: false },
    Field { name: "hour", ty: Ty::Number, required: false },
    Field { name: "minute", ty: Ty::Number, required: false },
];

const ENTRATA_API: &[Field] = &[
    Field { name: "org", ty: Ty::Text, required: false },
    Field { name: "subdomain", ty: Ty::Text, required: false },
    Field { name: "apiKey", ty: Ty::Text, required: false },
    Field { name: "username", ty: Ty::Text, required: false },
    Field { name: "password", ty: Ty::Text, required: false },
    Field { name: "limits", ty: Ty::Object(LIMITS), required: false },
    Field { name: "perPageMax", ty: Ty::Number, required: false },
    Field { name: "answerCap", ty: Ty::Number, required: false },
    Field { name: "extensions", ty: Ty::Bool, required: false },
];

/// The smallest and largest `per_page` Entrata takes (`Field(le=1000, ge=5)` in its spec).
pub const PER_PAGE_MIN: u32 = 5;
pub const PER_PAGE_MAX: u32 = 1000;

/// Calls allowed per service and credential in each window (`X-RateLimit-Limit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiLimits {
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
}

impl Default for ApiLimits {
    /// The limits a real legacy-host answer carried: `15000/DAY;1000/HOUR;150/MINUTE`.
    fn default() -> Self {
        ApiLimits { day: 15_000, hour: 1_000, minute: 150 }
    }
}

/// The `entrataApi` section with its defaults applied.
#[derive(Clone, PartialEq, Eq)]
pub struct EntrataApiDataset {
    pub org: String,
    pub subdomain: String,
    pub(crate) api_key: String,
    /// The one Basic credential; `None`: any dataset user's `username`/`password`.
    pub(crate) basic: Option<(String, String)>,
    pub limits: ApiLimits,
    pub per_page_max: u32,
    /// A test's fault: getArPayments answers at most this many payments, silently, as a server
    /// with an undocumented cap on an unpaginated method would.
    pub answer_cap: Option<u32>,
    /// The fields the sandbox adds where Entrata's public material has none (docs/sources.md
    /// section 7.3); `false` serves Entrata's shapes alone, as a real account would.
    pub extensions: bool,
}

impl std::fmt::Debug for EntrataApiDataset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntrataApiDataset")
            .field("org", &self.org)
            .field("subdomain", &self.subdomain)
            .field("basic_user", &self.basic.as_ref().map(|(user, _)| user))
            .field("limits", &self.limits)
            .field("per_page_max", &self.per_page_max)
            .field("answer_cap", &self.answer_cap)
            .field("extensions", &self.extensions)
            .finish_non_exhaustive()
    }
}

impl EntrataApiDataset {
    /// The defaults of a dataset without `entrataApi` (docs/sources.md section 7.1).
    pub(crate) fn defaults(integration_id: &str, integration_token: &str) -> EntrataApiDataset {
        EntrataApiDataset {
            org: integration_id.to_owned(),
            subdomain: integration_id.to_owned(),
            api_key: integration_token.to_owned(),
            basic: None,
            limits: ApiLimits::default(),
            per_page_max: PER_PAGE_MAX,
            answer_cap: None,
            extensions: true,
        }
    }

    /// The API key the gateway form takes (`X-Api-Key`).
    pub fn api_key(&self) -> &str {
        &self.api_key
    }
}

/// Reads the section (absent or `null`: the defaults), reporting every problem in it.
pub(crate) fn load_entrata_api(
    value: Option<&RawValue>,
    integration_id: &str,
    integration_token: &str,
    problems: &mut Problems,
) -> EntrataApiDataset {
    let mut loaded = EntrataApiDataset::defaults(integration_id, integration_token);
    let Some(value) = value.filter(|v| v.get().trim() != "null") else { return loaded };
    let checked = match check_object(value.get(), ENTRATA_API) {
        Ok(checked) => checked,
        Err(message) => {
            problems.push(LOCATION, None, message);
            return loaded;
        }
    };
    push_field_problems(LOCATION, &checked.problems, problems);
    for (name, slot) in [("org", &mut loaded.org), ("subdomain", &mut loaded.subdomain)] {
        if let Some(text) = checked.text(name) {
            match path_segment_problem(&text) {
                Some(message) => problems.push(LOCATION, Some(name.into()), message),
                None => *slot = text,
            }
        }
    }
    if let Some(key) = checked.text("apiKey") {
        if key.is_empty() {
            problems.push(LOCATION, Some("apiKey".into()), "must not be empty");
        } else {
            loaded.api_key = key;
        }
    }
    match (checked.text("username"), checked.text("password")) {
        (None, None) => {}
        (Some(user), Some(password)) if !user.is_empty() && !password.is_empty() => {
            loaded.basic = Some((user, password));
        }
        (Some(_), Some(_)) => {
            problems.push(LOCATION, None, "\"username\" and \"password\" must not be empty")
        }
        (Some(_), None) => problems.push(
            LOCATION,
            Some("password".into()),
            "missing: \"username\" and \"password\" go together (without both, any dataset user's work)",
        ),
        (None, Some(_)) => problems.push(
            LOCATION,
            Some("username".into()),
            "missing: \"username\" and \"password\" go together (without both, any dataset user's work)",
        ),
    }
    if let Some(limits) = checked.object.get("limits")
        && let Ok(limits) = check_object(limits.get(), LIMITS)
    {
        for (name, slot) in [
            ("day", &mut loaded.limits.day),
            ("hour", &mut loaded.limits.hour),
            ("minute", &mut loaded.limits.minute),
        ] {
            if let Some(n) = whole(&limits, name, 1, u32::MAX, &format!("limits.{name}"), problems) {
                *slot = n;
            }
        }
    }
    if let Some(n) = whole(&checked, "perPageMax", PER_PAGE_MIN, PER_PAGE_MAX, "perPageMax", problems) {
        loaded.per_page_max = n;
    }
    loaded.answer_cap = whole(&checked, "answerCap", 1, u32::MAX, "answerCap", problems);
    if let Some(flag) = checked.object.get("extensions").and_then(|v| v.get().trim().parse::<bool>().ok()) {
        loaded.extensions = flag;
    }
    loaded
}

/// `org` and `subdomain` are URL path segments.
fn path_segment_problem(text: &str) -> Option<&'static str> {
    if text.is_empty() {
        Some("must not be empty")
    } else if text.contains(['/', '?', '#', '%']) || text.chars().any(char::is_whitespace) {
        Some("must not contain '/', '?', '#', '%' or spaces (it is a URL path segment)")
    } else {
        None
    }
}

/// A whole number from `min` to `max`, when the field is a number; `None` (and a problem) else.
fn whole(
    checked: &Checked<'_>,
    name: &str,
    min: u32,
    max: u32,
    field: &str,
    problems: &mut Problems,
) -> Option<u32> {
    let value = checked.object.get(name)?;
    if as_str(value).is_some() || value.get().trim() == "null" {
        // A string is already reported by the field check; null means the default.
        return None;
    }
    match value.get().trim().parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Some(n),
        _ => {
            problems.push(
                LOCATION,
                Some(field.into()),
                format!("expected a whole number from {min} to {max}"),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> (EntrataApiDataset, Vec<String>) {
        let value: &RawValue = serde_json::from_str(text).expect("json");
        let mut problems = Problems::default();
        let loaded = load_entrata_api(Some(value), "int_t", "tok", &mut problems);
        (loaded, problems.list.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn defaults_and_values() {
        let (loaded, problems) = load("null");
        assert!(problems.is_empty());
        assert_eq!(loaded, EntrataApiDataset::defaults("int_t", "tok"));
        assert_eq!((loaded.org.as_str(), loaded.api_key(), loaded.per_page_max), ("int_t", "tok", 1000));
        assert_eq!(loaded.limits, ApiLimits { day: 15_000, hour: 1_000, minute: 150 });
        let (loaded, problems) = load(
            r#"{"org": "acme", "apiKey": "k", "username": "u", "password": "p", "limits": {"minute": 3}, "perPageMax": 5}"#,
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!((loaded.org.as_str(), loaded.subdomain.as_str()), ("acme", "int_t"));
        assert_eq!(loaded.basic, Some(("u".into(), "p".into())));
        assert_eq!(loaded.limits, ApiLimits { day: 15_000, hour: 1_000, minute: 3 });
        assert_eq!(loaded.per_page_max, 5);
    }

    #[test]
    fn problems_name_the_field() {
        let (_, problems) = load(
            r#"{"org": "a/b", "apiKey": "", "username": "u", "limits": {"minute": 0, "hour": 1.5, "dya": 1}, "perPageMax": 2000, "orgs": 1}"#,
        );
        assert_eq!(
            problems,
            [
                r#"entrataApi: field "orgs": unknown field (did you mean "org"?)"#,
                r#"entrataApi: field "limits.dya": unknown field (did you mean "day"?)"#,
                r#"entrataApi: field "org": must not contain '/', '?', '#', '%' or spaces (it is a URL path segment)"#,
                r#"entrataApi: field "apiKey": must not be empty"#,
                r#"entrataApi: field "password": missing: "username" and "password" go together (without both, any dataset user's work)"#,
                r#"entrataApi: field "limits.hour": expected a whole number from 1 to 4294967295"#,
                r#"entrataApi: field "limits.minute": expected a whole number from 1 to 4294967295"#,
                r#"entrataApi: field "perPageMax": expected a whole number from 5 to 1000"#,
            ]
        );
        let (_, problems) = load("[1]");
        assert_eq!(problems, ["entrataApi: expected an object, found an array"]);
        let (_, problems) = load(r#"{"limits": 3, "perPageMax": "10"}"#);
        assert_eq!(
            problems,
            [
                r#"entrataApi: field "limits": expected an object, found a number"#,
                r#"entrataApi: field "perPageMax": expected a number, found a string"#,
            ]
        );
    }
}
