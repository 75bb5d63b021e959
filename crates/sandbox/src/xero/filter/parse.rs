//! The `where` and `order` syntax: a tokenizer and a recursive-descent parser.

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;

use super::FieldValue;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Num(Decimal),
    Op(&'static str),
    Dot,
    Comma,
    Open,
    Close,
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '"' => {
                let mut value = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("Unterminated string literal".to_owned()),
                        Some('"') if chars.get(i + 1) == Some(&'"') => {
                            value.push('"');
                            i += 2;
                        }
                        Some('"') => break,
                        Some('\\') if chars.get(i + 1).is_some() => {
                            value.push(chars[i + 1]);
                            i += 2;
                        }
                        Some(ch) => {
                            value.push(*ch);
                            i += 1;
                        }
                    }
                }
                i += 1;
                tokens.push(Token::Str(value));
            }
            '(' | ')' | ',' | '.' => {
                tokens.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    ',' => Token::Comma,
                    _ => Token::Dot,
                });
                i += 1;
            }
            '=' | '!' | '<' | '>' | '&' | '|' => {
                let two: String = [c, next.unwrap_or(' ')].iter().collect();
                let (op, width) = match two.as_str() {
                    "==" => ("==", 2),
                    "!=" | "<>" => ("!=", 2),
                    ">=" => (">=", 2),
                    "<=" => ("<=", 2),
                    "&&" => ("AND", 2),
                    "||" => ("OR", 2),
                    _ => match c {
                        '=' => ("==", 1),
                        '!' => ("NOT", 1),
                        '<' => ("<", 1),
                        '>' => (">", 1),
                        _ => return Err(format!("Syntax error '{c}'")),
                    },
                };
                tokens.push(Token::Op(op));
                i += width;
            }
            c if c.is_ascii_digit() || (c == '-' && next.is_some_and(|n| n.is_ascii_digit())) => {
                let start = i;
                i += 1;
                while chars.get(i).is_some_and(|ch| ch.is_ascii_digit() || *ch == '.') {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                let value = text.parse::<Decimal>().map_err(|_| format!("Invalid number '{text}'"))?;
                tokens.push(Token::Num(value));
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while chars.get(i).is_some_and(|ch| ch.is_alphanumeric() || *ch == '_') {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                tokens.push(match word.to_ascii_uppercase().as_str() {
                    "AND" => Token::Op("AND"),
                    "OR" => Token::Op("OR"),
                    "NOT" => Token::Op("NOT"),
                    _ => Token::Ident(word),
                });
            }
            other => return Err(format!("Syntax error '{other}'")),
        }
    }
    Ok(tokens)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub(super) name: String,
    pub(super) args: Vec<FieldValue>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Lit(FieldValue),
    Path(String, Vec<Call>),
}

/// A parsed `where` expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp(Operand, &'static str, Operand),
    Truthy(Operand),
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn expect(&mut self, token: Token, what: &str) -> Result<(), String> {
        if self.next() == Some(token) { Ok(()) } else { Err(format!("'{what}' expected")) }
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.peek() == Some(&Token::Op("OR")) {
            self.at += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        while self.peek() == Some(&Token::Op("AND")) {
            self.at += 1;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        match self.peek() {
            Some(Token::Op("NOT")) => {
                self.at += 1;
                Ok(Expr::Not(Box::new(self.unary()?)))
            }
            Some(Token::Open) => {
                self.at += 1;
                let inner = self.or()?;
                self.expect(Token::Close, ")")?;
                Ok(inner)
            }
            _ => {
                let left = self.operand()?;
                match self.peek() {
                    Some(Token::Op(op)) if ["==", "!=", ">=", "<=", ">", "<"].contains(op) => {
                        let op = *op;
                        self.at += 1;
                        Ok(Expr::Cmp(left, op, self.operand()?))
                    }
                    _ => Ok(Expr::Truthy(left)),
                }
            }
        }
    }

    fn args(&mut self) -> Result<Vec<FieldValue>, String> {
        self.expect(Token::Open, "(")?;
        let mut args = Vec::new();
        if self.peek() == Some(&Token::Close) {
            self.at += 1;
            return Ok(args);
        }
        loop {
            match self.operand()? {
                Operand::Lit(value) => args.push(value),
                Operand::Path(path, _) => return Err(format!("Unexpected '{path}' in an argument list")),
            }
            match self.next() {
                Some(Token::Comma) => continue,
                Some(Token::Close) => return Ok(args),
                _ => return Err("')' or ',' expected".to_owned()),
            }
        }
    }

    fn operand(&mut self) -> Result<Operand, String> {
        match self.next() {
            Some(Token::Str(s)) => Ok(Operand::Lit(FieldValue::Str(s))),
            Some(Token::Num(n)) => Ok(Operand::Lit(FieldValue::Num(n))),
            Some(Token::Ident(name)) => {
                match name.to_ascii_lowercase().as_str() {
                    "true" => return Ok(Operand::Lit(FieldValue::Bool(true))),
                    "false" => return Ok(Operand::Lit(FieldValue::Bool(false))),
                    "null" => return Ok(Operand::Lit(FieldValue::Null)),
                    "datetime" | "guid" if self.peek() == Some(&Token::Open) => {
                        let args = self.args()?;
                        return literal_call(&name, &args).map(Operand::Lit);
                    }
                    _ => {}
                }
                let mut path = name;
                let mut calls = Vec::new();
                while self.peek() == Some(&Token::Dot) {
                    self.at += 1;
                    let Some(Token::Ident(part)) = self.next() else {
                        return Err("Identifier expected".to_owned());
                    };
                    if self.peek() == Some(&Token::Open) {
                        calls.push(Call { name: part, args: self.args()? });
                    } else if calls.is_empty() {
                        path = format!("{path}.{part}");
                    } else {
                        return Err(format!("No property or field '{part}' exists in type 'String'"));
                    }
                }
                Ok(Operand::Path(path, calls))
            }
            Some(other) => Err(format!("Expression expected, found {other:?}")),
            None => Err("Expression expected".to_owned()),
        }
    }
}

fn literal_call(name: &str, args: &[FieldValue]) -> Result<FieldValue, String> {
    if name.eq_ignore_ascii_case("guid") {
        return match args {
            [FieldValue::Str(s)] => Ok(FieldValue::Str(s.clone())),
            _ => Err("Guid(\"...\") takes one string".to_owned()),
        };
    }
    let numbers: Option<Vec<u32>> = args
        .iter()
        .map(|a| if let FieldValue::Num(n) = a { n.to_string().parse().ok() } else { None })
        .collect();
    let parts = numbers.ok_or("DateTime(...) takes whole numbers")?;
    let date = match parts.as_slice() {
        [y, m, d, ..] => i32::try_from(*y).ok().and_then(|y| NaiveDate::from_ymd_opt(y, *m, *d)),
        _ => None,
    }
    .ok_or("DateTime(year, month, day) is not a valid date")?;
    let time = match parts.as_slice() {
        [_, _, _] => Some(NaiveTime::MIN),
        [_, _, _, h, mi, s] => NaiveTime::from_hms_opt(*h, *mi, *s),
        _ => None,
    }
    .ok_or("DateTime takes 3 or 6 arguments")?;
    Ok(FieldValue::Date(date.and_time(time)))
}

pub fn parse_where(text: &str) -> Result<Expr, String> {
    let mut parser = Parser { tokens: tokenize(text)?, at: 0 };
    let expr = parser.or()?;
    match parser.peek() {
        None => Ok(expr),
        Some(token) => Err(format!("Syntax error at {token:?}")),
    }
}

/// `Date ASC, Narration DESC` as (field, ascending) pairs.
pub fn parse_order(text: &str) -> Result<Vec<(String, bool)>, String> {
    let mut keys = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut words = part.split_whitespace();
        let field = words.next().unwrap_or_default().to_owned();
        let ascending = match words.next().map(str::to_ascii_uppercase).as_deref() {
            None | Some("ASC") => true,
            Some("DESC") => false,
            Some(other) => return Err(format!("Syntax error '{other}' in order")),
        };
        keys.push((field, ascending));
    }
    Ok(keys)
}
