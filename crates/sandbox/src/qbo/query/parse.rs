//! The QuickBooks query language, parsed:
//! `SELECT * | COUNT(*) FROM Entity [WHERE f op v [AND ...]] [ORDERBY f [ASC|DESC], ...]
//! [STARTPOSITION n] [MAXRESULTS n]` with operators `=`, `<`, `>`, `<=`, `>=`, `LIKE` and
//! `IN (v, ...)`. Keywords are case-insensitive (`ORDER BY` is read as `ORDERBY`, as
//! python-quickbooks writes it); strings are single-quoted with `\'` for a quote; `true`, `false`
//! and numbers may go unquoted. There is no `OR`, no join, no projection (`SELECT *, Sku` keeps
//! `*`). Errors read like Intuit's `QueryParserError` details.
//!
//! Invariant: parsing is pure and total: any text gives a `Query` or an error, never a panic.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Select {
    All,
    Count,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Lt,
    Gt,
    Le,
    Ge,
    Like,
    In,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    Str(String),
    Number(String),
    Bool(bool),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub field: String,
    pub op: Op,
    /// One value, or the list of `IN`.
    pub values: Vec<Literal>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub field: String,
    pub descending: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub select: Select,
    pub entity: String,
    pub conditions: Vec<Condition>,
    pub order: Vec<Order>,
    pub start_position: Option<u64>,
    pub max_results: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Str(String),
    Number(String),
    Star,
    Open,
    Close,
    Comma,
    Op(Op),
}

#[derive(Debug, Clone)]
struct Lexed {
    token: Token,
    column: usize,
}

fn describe(token: &Token) -> String {
    match token {
        Token::Word(w) => w.clone(),
        Token::Str(s) => format!("'{s}'"),
        Token::Number(n) => n.clone(),
        Token::Star => "*".into(),
        Token::Open => "(".into(),
        Token::Close => ")".into(),
        Token::Comma => ",".into(),
        Token::Op(op) => match op {
            Op::Eq => "=",
            Op::Lt => "<",
            Op::Gt => ">",
            Op::Le => "<=",
            Op::Ge => ">=",
            Op::Like => "LIKE",
            Op::In => "IN",
        }
        .into(),
    }
}

fn lex(text: &str) -> Result<Vec<Lexed>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        let push = |tokens: &mut Vec<Lexed>, token| tokens.push(Lexed { token, column });
        match c {
            _ if c.is_whitespace() => i += 1,
            '*' | '(' | ')' | ',' | '=' => {
                push(
                    &mut tokens,
                    match c {
                        '*' => Token::Star,
                        '(' => Token::Open,
                        ')' => Token::Close,
                        ',' => Token::Comma,
                        _ => Token::Op(Op::Eq),
                    },
                );
                i += 1;
            }
            '<' | '>' => {
                let equals = chars.get(i + 1) == Some(&'=');
                let op = match (c, equals) {
                    ('<', true) => Op::Le,
                    ('<', false) => Op::Lt,
                    (_, true) => Op::Ge,
                    (_, false) => Op::Gt,
                };
                push(&mut tokens, Token::Op(op));
                i += if equals { 2 } else { 1 };
            }
            '\'' => {
                let mut value = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(format!(
                                "Invalid content. Lexical error at line 1, column {}. Encountered: <EOF> after : \"'{value}\"",
                                i + 1
                            ));
                        }
                        Some('\\') if i + 1 < chars.len() => {
                            value.push(chars[i + 1]);
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(other) => {
                            value.push(*other);
                            i += 1;
                        }
                    }
                }
                push(&mut tokens, Token::Str(value));
            }
            _ if c.is_ascii_digit() || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) => {
                let start = i;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                push(&mut tokens, Token::Number(chars[start..i].iter().collect()));
            }
            _ if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.') {
                    i += 1;
                }
                push(&mut tokens, Token::Word(chars[start..i].iter().collect()));
            }
            other => {
                return Err(format!(
                    "Invalid content. Lexical error at line 1, column {column}.  Encountered: \"{other}\" ({}), after : \"\"",
                    u32::from(other)
                ));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Lexed>,
    at: usize,
    end_column: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|l| &l.token)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).map(|l| l.token.clone());
        self.at += 1;
        token
    }

    fn error(&self, expecting: &str) -> String {
        match self.tokens.get(self.at) {
            Some(lexed) => format!(
                "Encountered \" {} \" at line 1, column {}.\nWas expecting:\n    {expecting} ...",
                describe(&lexed.token),
                lexed.column
            ),
            None => format!(
                "Encountered \"<EOF>\" at line 1, column {}.\nWas expecting:\n    {expecting} ...",
                self.end_column
            ),
        }
    }

    fn is_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(keyword))
    }

    fn keyword(&mut self, keyword: &str) -> Result<(), String> {
        if self.is_keyword(keyword) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.error(&format!("\"{}\"", keyword.to_ascii_lowercase())))
        }
    }

    fn expect(&mut self, token: &Token) -> Result<(), String> {
        if self.peek() == Some(token) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.error(&format!("\"{}\"", describe(token))))
        }
    }

    fn word(&mut self, what: &str) -> Result<String, String> {
        match self.peek() {
            Some(Token::Word(w)) => {
                let w = w.clone();
                self.at += 1;
                Ok(w)
            }
            _ => Err(self.error(what)),
        }
    }

    fn number(&mut self) -> Result<u64, String> {
        match self.peek() {
            Some(Token::Number(n)) => match n.parse::<u64>() {
                Ok(n) => {
                    self.at += 1;
                    Ok(n)
                }
                Err(_) => Err(self.error("<INTEGER>")),
            },
            _ => Err(self.error("<INTEGER>")),
        }
    }

    fn literal(&mut self) -> Result<Literal, String> {
        let literal = match self.peek() {
            Some(Token::Str(s)) => Literal::Str(s.clone()),
            Some(Token::Number(n)) => Literal::Number(n.clone()),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("true") => Literal::Bool(true),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("false") => Literal::Bool(false),
            _ => return Err(self.error("<STRING> | <NUMBER> | \"true\" | \"false\"")),
        };
        self.at += 1;
        Ok(literal)
    }

    fn condition(&mut self) -> Result<Condition, String> {
        let field = self.word("<IDENTIFIER>")?;
        let op = match self.peek() {
            Some(Token::Op(op)) => *op,
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("like") => Op::Like,
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("in") => Op::In,
            _ => return Err(self.error("\"=\" | \"<\" | \">\" | \"<=\" | \">=\" | \"like\" | \"in\"")),
        };
        self.at += 1;
        let values = if op == Op::In {
            self.expect(&Token::Open)?;
            let mut values = vec![self.literal()?];
            while self.peek() == Some(&Token::Comma) {
                self.at += 1;
                values.push(self.literal()?);
            }
            self.expect(&Token::Close)?;
            values
        } else {
            vec![self.literal()?]
        };
        Ok(Condition { field, op, values })
    }
}

/// Parses a query; the error is the `Detail` of a 4000 fault (without `QueryParserError: `).
pub fn parse(text: &str) -> Result<Query, String> {
    let tokens = lex(text)?;
    let mut p = Parser { tokens, at: 0, end_column: text.chars().count() + 1 };
    p.keyword("select")?;
    let select = match p.next() {
        Some(Token::Star) => {
            // `SELECT *, Sku FROM Item` (python-quickbooks for items): extra names are ignored.
            while p.peek() == Some(&Token::Comma) {
                p.at += 1;
                p.word("<IDENTIFIER>")?;
            }
            Select::All
        }
        Some(Token::Word(w)) if w.eq_ignore_ascii_case("count") => {
            p.expect(&Token::Open)?;
            p.expect(&Token::Star)?;
            p.expect(&Token::Close)?;
            Select::Count
        }
        _ => {
            p.at = p.at.saturating_sub(1);
            return Err(p.error("\"*\" | \"count\""));
        }
    };
    p.keyword("from")?;
    let entity = p.word("<ENTITY>")?;
    let mut query = Query {
        select,
        entity,
        conditions: Vec::new(),
        order: Vec::new(),
        start_position: None,
        max_results: None,
    };
    let (mut seen_where, mut seen_order) = (false, false);
    while p.peek().is_some() {
        if !seen_where && p.is_keyword("where") {
            seen_where = true;
            p.at += 1;
            query.conditions.push(p.condition()?);
            while p.is_keyword("and") {
                p.at += 1;
                query.conditions.push(p.condition()?);
            }
        } else if !seen_order && (p.is_keyword("orderby") || p.is_keyword("order")) {
            seen_order = true;
            if p.is_keyword("order") {
                p.at += 1;
                p.keyword("by")?;
            } else {
                p.at += 1;
            }
            loop {
                let field = p.word("<IDENTIFIER>")?;
                let descending = if p.is_keyword("desc") {
                    p.at += 1;
                    true
                } else {
                    if p.is_keyword("asc") {
                        p.at += 1;
                    }
                    false
                };
                query.order.push(Order { field, descending });
                if p.peek() != Some(&Token::Comma) {
                    break;
                }
                p.at += 1;
            }
        } else if query.start_position.is_none() && p.is_keyword("startposition") {
            p.at += 1;
            query.start_position = Some(p.number()?);
        } else if query.max_results.is_none() && p.is_keyword("maxresults") {
            p.at += 1;
            query.max_results = Some(p.number()?);
        } else {
            return Err(p.error("\"where\" | \"orderby\" | \"startposition\" | \"maxresults\" | <EOF>"));
        }
    }
    Ok(query)
}

#[cfg(test)]
mod tests;
