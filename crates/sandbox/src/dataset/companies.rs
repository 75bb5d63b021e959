//! The `qbo` and `xero` sections read as lists of companies: a section is one company object (as
//! it always could be) or an array of them, each checked against its field list. The companies of
//! a section are one app's, as the vendors have it (one app connects to many companies): every one
//! carries the same `clientId` and `clientSecret`, and no two share an id (`realmId`,
//! `tenantId`). A problem is located as the other dataset problems are: `qbo` for a single
//! object, `qbo[1] (realmId "222")` for an element of the array.

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::check::{Checked, FieldProblem, Problems, check_object};
use super::raw::{JsonKind, parse_array, parse_object_unchecked};
use super::schema::Field;
use super::targets::{QboDataset, XeroDataset};
use super::{label, push_field_problems};

/// What the loader needs to know of one vendor's company.
pub(crate) trait Company: DeserializeOwned {
    /// The id field: `realmId`, `tenantId`.
    const ID_FIELD: &'static str;
    /// "company", "organisation", for messages.
    const NOUN: &'static str;
    fn id(&self) -> &str;
    fn client_id(&self) -> &str;
    fn client_secret(&self) -> &str;
    /// Whether two ids name the same company.
    fn same_id(a: &str, b: &str) -> bool;
    /// Problems the field list cannot see, found on the checked object.
    fn value_problems(_checked: &Checked<'_>) -> Vec<FieldProblem> {
        Vec::new()
    }
}

impl Company for QboDataset {
    const ID_FIELD: &'static str = "realmId";
    const NOUN: &'static str = "company";
    fn id(&self) -> &str {
        &self.realm_id
    }
    fn client_id(&self) -> &str {
        &self.client_id
    }
    fn client_secret(&self) -> &str {
        &self.client_secret
    }
    fn same_id(a: &str, b: &str) -> bool {
        a == b
    }
    /// `limits`' values are whole numbers of at least 1 (a throttle of 0 would refuse everything).
    fn value_problems(checked: &Checked<'_>) -> Vec<FieldProblem> {
        let Some(limits) = checked.object.get("limits") else { return Vec::new() };
        let Ok(limits) = parse_object_unchecked(limits.get()) else { return Vec::new() };
        limits
            .fields
            .iter()
            .filter(|(_, value)| JsonKind::of(value.get()) == JsonKind::Number)
            .filter(|(_, value)| !matches!(value.get().trim().parse::<u32>(), Ok(n) if n >= 1))
            .map(|(name, _)| FieldProblem {
                field: Some(format!("limits.{name}")),
                message: format!("expected a whole number from 1 to {}", u32::MAX),
            })
            .collect()
    }
}

impl Company for XeroDataset {
    const ID_FIELD: &'static str = "tenantId";
    const NOUN: &'static str = "organisation";
    fn id(&self) -> &str {
        &self.tenant_id
    }
    fn client_id(&self) -> &str {
        &self.client_id
    }
    fn client_secret(&self) -> &str {
        &self.client_secret
    }
    /// Xero's tenant ids are GUIDs, which its API (and the sandbox's gate) match in any case.
    fn same_id(a: &str, b: &str) -> bool {
        a.trim().eq_ignore_ascii_case(b.trim())
    }
}

/// The companies of section `name` (empty when the section is absent or null).
pub(crate) fn load_companies<T: Company>(
    name: &str,
    fields: &[Field],
    value: Option<&RawValue>,
    problems: &mut Problems,
) -> Vec<T> {
    let Some(value) = value.filter(|v| JsonKind::of(v.get()) != JsonKind::Null) else { return Vec::new() };
    if JsonKind::of(value.get()) != JsonKind::Array {
        return load_one(value, fields, problems, |_| name.to_owned()).into_iter().collect();
    }
    let elements = match parse_array(value.get()) {
        Ok(elements) => elements,
        Err(message) => {
            problems.push("dataset", Some(name.into()), message);
            return Vec::new();
        }
    };
    if elements.is_empty() {
        problems.push(
            "dataset",
            Some(name.into()),
            format!("an empty array holds no {}; leave \"{name}\" out (or null) for none", T::NOUN),
        );
        return Vec::new();
    }
    // (where it is, the company) for every element that loaded.
    let mut loaded: Vec<(String, T)> = Vec::with_capacity(elements.len());
    for (index, element) in elements.iter().enumerate() {
        let location = |id: Option<&str>| label(name, index, T::ID_FIELD, id);
        if let Some(company) = load_one::<T>(element, fields, problems, location) {
            loaded.push((location(Some(company.id())), company));
        }
    }
    one_app(name, &loaded, problems);
    distinct_ids(&loaded, problems);
    loaded.into_iter().map(|(_, company)| company).collect()
}

/// Checks one company object; `location` names it given its id.
fn load_one<T: Company>(
    value: &RawValue,
    fields: &[Field],
    problems: &mut Problems,
    location: impl Fn(Option<&str>) -> String,
) -> Option<T> {
    let checked = match check_object(value.get(), fields) {
        Ok(checked) => checked,
        Err(message) => {
            problems.push(&location(None), None, message);
            return None;
        }
    };
    let here = location(checked.text(T::ID_FIELD).as_deref());
    let mut found = checked.problems.clone();
    found.extend(T::value_problems(&checked));
    if !found.is_empty() {
        push_field_problems(&here, &found, problems);
        return None;
    }
    serde_json::from_str(value.get()).map_err(|e| problems.push(&here, None, e.to_string())).ok()
}

/// Every company carries the first one's `clientId` and `clientSecret` (the secret is never
/// quoted).
fn one_app<T: Company>(name: &str, loaded: &[(String, T)], problems: &mut Problems) {
    let Some((first_at, first)) = loaded.first() else { return };
    let why =
        format!("every {} in \"{name}\" belongs to one app, with one clientId and clientSecret", T::NOUN);
    for (at, company) in &loaded[1..] {
        if company.client_id() != first.client_id() {
            let message =
                format!("{:?} is not {first_at}'s {:?}: {why}", company.client_id(), first.client_id());
            problems.push(at, Some("clientId".into()), message);
        } else if company.client_secret() != first.client_secret() {
            problems.push(at, Some("clientSecret".into()), format!("is not {first_at}'s: {why}"));
        }
    }
}

fn distinct_ids<T: Company>(loaded: &[(String, T)], problems: &mut Problems) {
    for (i, (at, company)) in loaded.iter().enumerate() {
        if let Some((first_at, _)) = loaded[..i].iter().find(|(_, c)| T::same_id(c.id(), company.id())) {
            let message = format!("duplicate {}, first defined at {first_at}", T::ID_FIELD);
            problems.push(at, Some(T::ID_FIELD.into()), message);
        }
    }
}
