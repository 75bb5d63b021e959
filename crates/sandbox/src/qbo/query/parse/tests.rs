use super::*;

fn check(text: &str, expected: Query) {
    assert_eq!(parse(text), Ok(expected), "{text}");
}

fn query(select: Select, entity: &str) -> Query {
    Query {
        select,
        entity: entity.into(),
        conditions: vec![],
        order: vec![],
        start_position: None,
        max_results: None,
    }
}

fn cond(field: &str, op: Op, values: Vec<Literal>) -> Condition {
    Condition { field: field.into(), op, values }
}

fn s(text: &str) -> Literal {
    Literal::Str(text.into())
}

#[test]
fn reads_every_clause() {
    check("SELECT * FROM JournalEntry", query(Select::All, "JournalEntry"));
    check("select count(*) from Account", query(Select::Count, "Account"));
    check(
        "SELECT COUNT( * ) FROM Customer WHERE Active = false",
        Query {
            conditions: vec![cond("Active", Op::Eq, vec![Literal::Bool(false)])],
            ..query(Select::Count, "Customer")
        },
    );
    check(
        "SELECT * FROM JournalEntry WHERE DocNumber = 'ENT-1' AND TxnDate >= '2026-01-01' and TxnDate<'2026-02-01' \
         AND PrivateNote LIKE '%batch%' AND Id IN ('1', '2',3) AND MetaData.LastUpdatedTime > '2026-01-01T00:00:00-08:00' \
         AND TotalAmt <= 10.5 ORDERBY TxnDate DESC, Id STARTPOSITION 11 MAXRESULTS 10",
        Query {
            conditions: vec![
                cond("DocNumber", Op::Eq, vec![s("ENT-1")]),
                cond("TxnDate", Op::Ge, vec![s("2026-01-01")]),
                cond("TxnDate", Op::Lt, vec![s("2026-02-01")]),
                cond("PrivateNote", Op::Like, vec![s("%batch%")]),
                cond("Id", Op::In, vec![s("1"), s("2"), Literal::Number("3".into())]),
                cond("MetaData.LastUpdatedTime", Op::Gt, vec![s("2026-01-01T00:00:00-08:00")]),
                cond("TotalAmt", Op::Le, vec![Literal::Number("10.5".into())]),
            ],
            order: vec![
                Order { field: "TxnDate".into(), descending: true },
                Order { field: "Id".into(), descending: false },
            ],
            start_position: Some(11),
            max_results: Some(10),
            ..query(Select::All, "JournalEntry")
        },
    );
}

#[test]
fn reads_what_clients_write() {
    // python-quickbooks: `ORDER BY` in all(), double spaces from an empty where clause.
    check(
        "SELECT * FROM Account ORDER BY Name ASC STARTPOSITION 1 MAXRESULTS 100",
        Query {
            order: vec![Order { field: "Name".into(), descending: false }],
            start_position: Some(1),
            max_results: Some(100),
            ..query(Select::All, "Account")
        },
    );
    check(
        "SELECT * FROM JournalEntry  MAXRESULTS 5",
        Query { max_results: Some(5), ..query(Select::All, "JournalEntry") },
    );
    // node-quickbooks: lower-case entity and keywords, escaped quote, maxresults before startposition.
    check(
        "select * from journalEntry where DocNumber = 'O\\'Brien' maxresults 1000 startposition 1",
        Query {
            conditions: vec![cond("DocNumber", Op::Eq, vec![s("O'Brien")])],
            start_position: Some(1),
            max_results: Some(1000),
            ..query(Select::All, "journalEntry")
        },
    );
    check("SELECT *, Sku FROM Item", query(Select::All, "Item"));
}

#[test]
fn refuses_what_is_not_the_language() {
    let fails = |text: &str, detail_starts: &str| {
        let error = parse(text).expect_err(text);
        assert!(error.starts_with(detail_starts), "{text}: {error}");
    };
    fails("", "Encountered \"<EOF>\" at line 1, column 1");
    fails("SELECT", "Encountered \"<EOF>\"");
    fails("SELECT Name FROM Account", "Encountered \" Name \" at line 1, column 8");
    fails("SELECT * FROM Account WHERE Name = 'a' OR Name = 'b'", "Encountered \" OR \"");
    fails("SELECT * FROM Account WHERE Name = 'unterminated", "Invalid content. Lexical error");
    fails("SELECT * FROM Account WHERE Name % 'x'", "Invalid content. Lexical error at line 1, column 34");
    fails("SELECT * FROM Account WHERE Name IN 'x'", "Encountered \" 'x' \"");
    fails("SELECT * FROM Account MAXRESULTS ten", "Encountered \" ten \"");
    fails("SELECT * FROM Account WHERE Active = maybe", "Encountered \" maybe \"");
    fails("SELECT * FROM Account MAXRESULTS 1 MAXRESULTS 2", "Encountered \" MAXRESULTS \"");
    fails("SELECT * FROM Account, Customer", "Encountered \" , \"");
}
