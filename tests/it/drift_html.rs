//! The drift report's formats, checked without a browser on a report holding every category:
//! the HTML page is well-formed, self-contained (no script, no link, nothing fetched), has its
//! summary, a section per category and a tie-out table per property, and money right-aligned with
//! thousands separators, outside text escaped; the table fits 120 columns; the JSON follows
//! docs/drift-json.md; the CSV has its fixed columns on every row.

use chrono::{TimeZone, Utc};
use entrata_recon::domain::{ExceptionKind, PostMonth};
use entrata_recon::drift::{Category, DriftReport, Finding, FindingKind, ReadMode, TargetRead, TieOut};
use entrata_recon::report::drift::{csv, html, json, table};
use entrata_recon::targets::TargetKind;
use rust_decimal::Decimal;

fn month() -> PostMonth {
    "2026-02".parse().expect("month")
}

fn finding(kind: FindingKind, property: &str, cents: i64) -> Finding {
    Finding {
        kind,
        property_id: property.into(),
        post_month: Some(month()),
        target: matches!(kind.category(), Category::Target | Category::Posting).then_some(TargetKind::Qbo),
        book: None,
        source_ids: vec!["chg_1".into(), "chg_2".into()],
        entry_key: Some(format!("{property}/charges/2026-02-01/1")),
        doc_number: Some("EN-LV001-C260201-1".into()),
        target_ids: vec![(TargetKind::Qbo, "147".into()), (TargetKind::Xero, "9f2c6a2e-0000-4000-8000-1234567890ab".into())],
        account: (kind == FindingKind::PostedUnderEarlierMapping).then(|| "rental_income".into()),
        currency: "USD".into(),
        entrata: Some(Decimal::new(cents, 2)),
        recorded: Some(Decimal::new(129_500, 2)),
        held: Some(Decimal::ZERO),
        difference: Decimal::new(cents - 129_500, 2),
        message: "a long explanation <script>alert('x')</script> & more words that go on and on to make the line \
                  wrap in the terminal table and then be cut with an ellipsis when it is longer than two lines \
                  of text, which this one certainly is by now"
            .into(),
    }
}

fn report() -> DriftReport {
    let kinds = [
        FindingKind::ChangedInEntrata,
        FindingKind::DeletedInEntrata,
        FindingKind::DeletedInTarget,
        FindingKind::VoidedInTarget,
        FindingKind::EditedInTarget,
        FindingKind::UnrecordedInTarget,
        FindingKind::Exception(ExceptionKind::UnmappedCode),
        FindingKind::Exception(ExceptionKind::DepositMismatch),
        FindingKind::Exception(ExceptionKind::ProrationMismatch),
        FindingKind::Pending,
        FindingKind::Uncertain,
        FindingKind::Failed,
        FindingKind::PostedUnderEarlierMapping,
    ];
    let findings = kinds
        .iter()
        .enumerate()
        .map(|(i, k)| {
            finding(
                *k,
                if i % 2 == 0 { "prop_0001" } else { "prop_a_very_long_property_identifier" },
                123_456_789 * i as i64,
            )
        })
        .collect();
    let tie = |property: &str, target, account: &str, entrata: i64, posted: i64, held: i64| TieOut {
        target,
        book: entrata_recon::domain::BookName::default_book(),
        property_id: property.into(),
        post_month: month(),
        account: account.into(),
        account_names: vec!["rental_income".into(), "another_name_for_it".into()],
        currency: "USD".into(),
        entrata: Decimal::new(entrata, 2),
        posted: Decimal::new(posted, 2),
        held: Decimal::new(held, 2),
    };
    let read = |target| TargetRead {
        target,
        book: entrata_recon::domain::BookName::default_book(),
        company_id: "9130357766900456".into(),
        company_name: Some("Lakeview <Holdings> & Co".into()),
        mode: ReadMode::Changes,
        reason: None,
        since: Some(Utc.with_ymd_and_hms(2026, 3, 1, 2, 0, 0).single().expect("time")),
        compared_at: Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).single().expect("time"),
        documents_read: 3,
        documents_held: 1_204,
        calls: 1,
    };
    DriftReport {
        generated_at: Utc.with_ymd_and_hms(2026, 3, 2, 2, 5, 0).single().expect("time"),
        last_pull_at: Some("2026-03-02T02:00:00.000000Z".into()),
        period: None,
        properties: Vec::new(),
        targets: vec![read(TargetKind::Qbo), read(TargetKind::Xero)],
        not_compared: Vec::new(),
        findings,
        tieouts: vec![
            tie("prop_0001", TargetKind::Qbo, "4000", -12_345_678_901, -12_345_678_901, -12_345_678_901),
            tie("prop_0001", TargetKind::Qbo, "1200", 129_500, 100_000, 0),
            tie("prop_0001", TargetKind::Xero, "1210", 129_500, 129_500, 129_500),
            tie("prop_a_very_long_property_identifier", TargetKind::Qbo, "?unmapped_account", 5, 0, 0),
        ],
    }
}

const VOID: [&str; 6] = ["meta", "br", "hr", "img", "input", "link"];

/// Every tag, in order, as `(name, closing)`; fails on a `<` that opens no tag.
fn tags(page: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut rest = page;
    while let Some(at) = rest.find('<') {
        let after = &rest[at + 1..];
        let end = after.find('>').expect("a tag ends");
        let inner = &after[..end];
        rest = &after[end + 1..];
        if inner.starts_with('!') {
            continue;
        }
        let closing = inner.starts_with('/');
        let name: String =
            inner.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        assert!(!name.is_empty(), "`<{inner}>` is not a tag");
        out.push((name.to_ascii_lowercase(), closing));
    }
    out
}

/// The text of every `<td class="num...">` of tables of `class`.
fn money_cells<'a>(page: &'a str, class: &str) -> Vec<&'a str> {
    let mut cells = Vec::new();
    for table in page.split(&format!("<table class=\"{class}\">")).skip(1) {
        let table = table.split("</table>").next().expect("table ends");
        for cell in table.split("<td class=\"num").skip(1) {
            let text = cell.split_once('>').expect("cell").1;
            cells.push(text.split("</td>").next().expect("cell ends"));
        }
    }
    cells
}

fn is_grouped_money(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let Some((int, frac)) = digits.split_once('.') else { return false };
    let groups: Vec<&str> = int.split(',').collect();
    frac.len() == 2
        && frac.bytes().all(|b| b.is_ascii_digit())
        && !groups[0].is_empty()
        && groups[0].len() <= 3
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
}

#[test]
fn the_page_is_well_formed_self_contained_and_complete() {
    let report = report();
    let page = html::render(&report);
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"), "{}", &page[..80]);
    assert!(page.contains("<meta charset=\"utf-8\">") && page.contains("<style>"));
    // Nothing that runs or is fetched.
    for forbidden in [
        "<script",
        "<link",
        "<img",
        "<iframe",
        "@import",
        "url(",
        "src=",
        "http://",
        "https://",
        "@font-face",
    ] {
        assert!(!page.to_ascii_lowercase().contains(forbidden), "the page contains `{forbidden}`");
    }
    // Well-formed: every element closed, in order.
    let mut open: Vec<String> = Vec::new();
    for (name, closing) in tags(&page) {
        if VOID.contains(&name.as_str()) {
            assert!(!closing, "</{name}>");
            continue;
        }
        if closing {
            assert_eq!(open.pop().as_deref(), Some(name.as_str()), "</{name}> closes the wrong element");
        } else {
            open.push(name);
        }
    }
    assert!(open.is_empty(), "left open: {open:?}");
    // The summary first, then a section per category in order, then the tie-outs.
    let ids: Vec<usize> = [
        "id=\"summary\"",
        "id=\"entrata\"",
        "id=\"target\"",
        "id=\"mapping\"",
        "id=\"held\"",
        "id=\"reported\"",
        "id=\"posting\"",
        "id=\"tieouts\"",
    ]
    .iter()
    .map(|id| page.find(id).unwrap_or_else(|| panic!("no {id}")))
    .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert!(
        page.contains(
            "<div class=\"verdict drift\">DRIFT FOUND: 7 findings, 2 tie-out rows differ; 6 items wait for a person</div>"
        ),
        "the verdict: drift apart from what waits for a person"
    );
    let summary = page.split("</header>").next().expect("summary");
    let drift = summary.find("<td colspan=\"2\">Drift: ").expect("the drift group");
    let waiting = summary.find("<td colspan=\"2\">Waiting for a person: ").expect("the waiting group");
    assert!(drift < summary.find("href=\"#mapping\"").expect("mapping") && waiting > drift);
    assert!(waiting < summary.find("href=\"#held\"").expect("held"));
    for category in Category::ALL {
        let section = page.split(&format!("id=\"{}\"", category.as_str())).nth(1).expect("section");
        let section = section.split("</section>").next().expect("section ends");
        assert_eq!(section.matches("<tr><td>").count(), report.count(category), "{}", category.as_str());
    }
    // A tie-out table per property and target.
    assert_eq!(page.matches("<table class=\"tieout\">").count(), 3);
    assert!(page.contains("<h3>prop_0001 · QuickBooks Online</h3>"));
    // Money: right-aligned cells with thousands separators, never a float's digits.
    assert!(page.contains("td.num, th.num { text-align: right;"));
    let cells: Vec<&str> =
        money_cells(&page, "findings").into_iter().chain(money_cells(&page, "tieout")).collect();
    assert!(cells.len() > 60, "{}", cells.len());
    for cell in cells.iter().filter(|c| !c.is_empty()) {
        assert!(is_grouped_money(cell), "money cell `{cell}`");
    }
    assert!(page.contains(">-123,456,789.01<"));
    // Outside text is escaped.
    assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"));
    assert!(page.contains("Lakeview &lt;Holdings&gt; &amp; Co"));
}

#[test]
fn the_table_fits_120_columns_and_money_is_never_cut() {
    let text = table::render(&report());
    for line in text.lines() {
        assert!(line.chars().count() <= 120, "{} columns: {line}", line.chars().count());
    }
    assert!(
        text.starts_with(
            "Drift report: DRIFT FOUND: 7 findings, 2 tie-out rows differ; 6 items wait for a person (exit 1).\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("\n  Drift: entrata 2, target 4, mapping 1; tie-out rows that differ 2 of 4.\n"),
        "{text}"
    );
    assert!(text.contains("\n  Waiting for a person: held 2, reported 1, posting 3.\n"), "{text}");
    assert!(text.contains(" 14,814,814.68 ") && text.contains(" 14,813,519.68"), "{text}");
    assert!(text.contains("…"), "long text is cut");
}

#[test]
fn the_json_follows_its_schema_and_the_csv_its_columns() {
    let report = report();
    let value: serde_json::Value = serde_json::from_str(&json::render(&report)).expect("JSON");
    assert_eq!(value["version"], 2);
    assert_eq!(value["driftFound"], true);
    assert_eq!(value["needsPerson"], true);
    assert_eq!(value["summary"]["findings"], 13);
    assert_eq!(value["summary"]["driftFindings"], 7);
    assert_eq!(value["summary"]["waitingForPerson"], 6);
    assert_eq!(value["summary"]["byCategory"]["reported"], 1);
    assert_eq!(value["summary"]["byCategory"]["target"], 4);
    assert_eq!(value["summary"]["byKind"]["unmapped_code"], 1);
    assert_eq!(value["summary"]["tieOutRowsWithDifference"], 2);
    let first = &value["findings"][0];
    for field in [
        "category",
        "drift",
        "kind",
        "propertyId",
        "postMonth",
        "target",
        "sourceIds",
        "entryKey",
        "docNumber",
        "targetIds",
        "account",
        "currency",
        "entrata",
        "recorded",
        "books",
        "difference",
        "message",
    ] {
        assert!(first.get(field).is_some(), "finding field {field}");
    }
    assert_eq!(first["difference"], "-1295.00");
    assert_eq!(first["drift"], true);
    assert_eq!(value["findings"][6]["drift"], false, "{}", value["findings"][6]["kind"]);
    assert_eq!(first["targetIds"]["qbo"], "147");
    let tie = &value["tieOuts"][1];
    assert_eq!(
        (&tie["entrataVsPosted"], &tie["booksVsPosted"], &tie["tiesOut"]),
        (&"295.00".into(), &"-1000.00".into(), &false.into())
    );
    assert_eq!(value["targets"][0]["read"], "changes");
    assert_eq!(value["targets"][0]["since"], "2026-03-01T02:00:00Z");

    let text = csv::render(&report).expect("CSV");
    let mut reader = ::csv::Reader::from_reader(text.as_bytes());
    assert_eq!(reader.headers().expect("header").iter().collect::<Vec<_>>(), csv::COLUMNS);
    let rows: Vec<::csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 13 + 4);
    assert!(rows.iter().all(|r| r.len() == csv::COLUMNS.len()));
    let cells =
        |row: usize, from: usize, to: usize| -> Vec<&str> { (from..to).map(|i| &rows[row][i]).collect() };
    assert_eq!(cells(0, 0, 3), ["finding", "entrata", "changed_in_entrata"]);
    let drift = csv::COLUMNS.iter().position(|c| *c == "drift").expect("the drift column");
    assert_eq!(&csv::COLUMNS[drift..], ["drift", "book"], "new columns come last");
    assert_eq!((&rows[0][drift], &rows[6][2], &rows[6][drift]), ("yes", "unmapped_code", "no"));
    assert_eq!(cells(13, 0, 3), ["tieout", "", "ties_out"]);
    assert_eq!((&rows[13][drift], &rows[14][drift]), ("no", "yes"));
    assert_eq!(cells(14, 16, 18), ["295.00", "-1000.00"]);
}

/// A finding about a whole entry with hundreds of items (an earlier mapping: 751 charges) names a
/// few and says how many (issue 16, item 16): the page and the table stay readable, and the CSV
/// and JSON still list every id.
#[test]
fn a_finding_with_many_items_names_a_few_in_the_page_and_all_in_the_csv_and_json() {
    let mut report = report();
    let ids: Vec<String> = (1..=751).map(|n| format!("chg_{n:04}")).collect();
    report.findings[0].source_ids = ids.clone();
    let page = entrata_recon::report::drift::html::render(&report);
    assert!(page.contains("751 items: chg_0001 chg_0002 chg_0003 chg_0004 chg_0005 …"), "the page");
    assert!(!page.contains("chg_0006"), "the page lists a few, not all");
    let table = entrata_recon::report::drift::table::render(&report);
    assert!(table.contains("751 items") && !table.contains("chg_0006"), "{table}");
    let csv = entrata_recon::report::drift::csv::render(&report).expect("csv");
    assert!(csv.contains("chg_0751"), "the CSV lists every id");
    let json = entrata_recon::report::drift::json::render(&report);
    assert!(json.contains("chg_0751"), "the JSON lists every id");
}
