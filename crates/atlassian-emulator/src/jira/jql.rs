//! The JQL subset the emulator understands, parsed into a [`Query`] that filters and orders seeded issues.
//!
//! Understood: clauses joined by `AND`, each `field = value`, `field != value` or `field IS [NOT] EMPTY`
//! (`NULL` too), on `assignee`, `reporter` (an account id or `currentUser()`), `project` (key or name),
//! `status`, `statusCategory` (name, key or id), `resolution` (`Unresolved` or `Done`), `issuetype` (`type`),
//! `priority`, `key` (`issuekey`) and `labels`; values bare or quoted; then an optional
//! `ORDER BY field [ASC|DESC], …` on `created`, `updated`, `key` or `priority`. Keywords are case-insensitive.
//! Everything else (`OR`, `NOT`, parentheses, `IN`, `~`, comparisons, other functions) is refused with a
//! message in Jira's error shape, as is a query without any restriction (Jira's "unbounded" rule).

use std::cmp::Ordering;

use super::{JiraIssue, StatusCategory};

/// Jira's answer to a search whose JQL has no restriction (observed on `/rest/api/3/search/jql`).
pub(crate) const UNBOUNDED: &str =
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.";

/// A refused query; the text goes into `errorMessages`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JqlError(pub String);

fn error<T>(message: impl Into<String>) -> Result<T, JqlError> {
    Err(JqlError(message.into()))
}

fn not_understood<T>(what: &str) -> Result<T, JqlError> {
    error(format!(
        "Error in the JQL Query: the Atlassian emulator does not support {what}. It understands \
         clauses joined by AND (=, !=, IS EMPTY) and ORDER BY."
    ))
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Quoted(String),
    Eq,
    NotEq,
    LParen,
    RParen,
    Comma,
    Other(char),
}

fn tokenize(jql: &str) -> Result<Vec<Token>, JqlError> {
    let mut tokens = Vec::new();
    let mut chars = jql.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '"' | '\'' => {
                chars.next();
                let mut text = String::new();
                loop {
                    match chars.next() {
                        Some(end) if end == c => break,
                        Some('\\') => text.extend(chars.next()),
                        Some(other) => text.push(other),
                        None => {
                            return error(
                                "Error in the JQL Query: The quoted string is not closed.",
                            );
                        }
                    }
                }
                tokens.push(Token::Quoted(text));
            }
            '=' | '(' | ')' | ',' => {
                chars.next();
                tokens.push(match c {
                    '=' => Token::Eq,
                    '(' => Token::LParen,
                    ')' => Token::RParen,
                    _ => Token::Comma,
                });
            }
            '!' => {
                chars.next();
                if chars.next_if_eq(&'=').is_some() {
                    tokens.push(Token::NotEq);
                } else {
                    tokens.push(Token::Other('!'));
                }
            }
            '<' | '>' | '~' => {
                chars.next();
                tokens.push(Token::Other(c));
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || "=!()<>~,\"'".contains(c) {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Assignee,
    Reporter,
    Project,
    Status,
    StatusCategory,
    Resolution,
    IssueType,
    Priority,
    Key,
    Labels,
}

impl Field {
    fn parse(name: &str) -> Result<Self, JqlError> {
        Ok(match name.to_ascii_lowercase().as_str() {
            "assignee" => Self::Assignee,
            "reporter" => Self::Reporter,
            "project" => Self::Project,
            "status" => Self::Status,
            "statuscategory" => Self::StatusCategory,
            "resolution" => Self::Resolution,
            "issuetype" | "type" => Self::IssueType,
            "priority" => Self::Priority,
            "key" | "issuekey" => Self::Key,
            "labels" => Self::Labels,
            "summary" | "description" | "text" | "comment" | "created" | "updated" | "duedate"
            | "resolved" | "sprint" | "fixversion" | "component" | "parent" | "creator" => {
                return not_understood(&format!("searching by '{name}'"));
            }
            _ => {
                return error(format!(
                    "Field '{name}' does not exist or you do not have permission to view it."
                ));
            }
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    CurrentUser,
    Text(String),
    Empty,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Clause {
    field: Field,
    value: Value,
    negated: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortField {
    Created,
    Updated,
    Key,
    Priority,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sort {
    field: SortField,
    descending: bool,
}

/// A parsed query: every clause must hold; issues come back in `order` (default `created DESC`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Query {
    clauses: Vec<Clause>,
    order: Vec<Sort>,
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

    fn peek_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(keyword))
    }

    fn clause(&mut self) -> Result<Clause, JqlError> {
        let field = match self.next() {
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("not") => return not_understood("NOT"),
            Some(Token::Word(name)) | Some(Token::Quoted(name)) => Field::parse(&name)?,
            Some(Token::LParen) => return not_understood("parentheses"),
            _ => return error("Error in the JQL Query: Expecting a field name."),
        };
        let negated = match self.next() {
            Some(Token::Eq) => false,
            Some(Token::NotEq) => true,
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("is") => {
                let negated = self.peek_keyword("not");
                if negated {
                    self.at += 1;
                }
                return match self.next() {
                    Some(Token::Word(w))
                        if w.eq_ignore_ascii_case("empty") || w.eq_ignore_ascii_case("null") =>
                    {
                        Ok(Clause {
                            field,
                            value: Value::Empty,
                            negated,
                        })
                    }
                    _ => error("Error in the JQL Query: Expecting EMPTY or NULL after IS."),
                };
            }
            Some(Token::Word(w))
                if w.eq_ignore_ascii_case("in") || w.eq_ignore_ascii_case("not") =>
            {
                return not_understood("the IN operator");
            }
            Some(Token::Other(c)) => return not_understood(&format!("the operator '{c}'")),
            _ => {
                return error(
                    "Error in the JQL Query: Expecting an operator after the field name.",
                );
            }
        };
        let value = match self.next() {
            Some(Token::Word(w)) if self.peek() == Some(&Token::LParen) => {
                self.at += 1;
                if !w.eq_ignore_ascii_case("currentuser") {
                    return not_understood(&format!("the function {w}()"));
                }
                if self.next() != Some(Token::RParen) {
                    return not_understood("arguments to currentUser()");
                }
                if !matches!(field, Field::Assignee | Field::Reporter) {
                    return not_understood("currentUser() outside assignee and reporter");
                }
                Value::CurrentUser
            }
            Some(Token::Word(w))
                if w.eq_ignore_ascii_case("empty") || w.eq_ignore_ascii_case("null") =>
            {
                Value::Empty
            }
            Some(Token::Word(text)) | Some(Token::Quoted(text)) => Value::Text(text),
            _ => return error("Error in the JQL Query: Expecting a value after the operator."),
        };
        Ok(Clause {
            field,
            value,
            negated,
        })
    }

    fn sort(&mut self) -> Result<Sort, JqlError> {
        let field = match self.next() {
            Some(Token::Word(w)) | Some(Token::Quoted(w)) => {
                match w.to_ascii_lowercase().as_str() {
                    "created" => SortField::Created,
                    "updated" => SortField::Updated,
                    "key" | "issuekey" => SortField::Key,
                    "priority" => SortField::Priority,
                    _ => return not_understood(&format!("ordering by '{w}'")),
                }
            }
            _ => return error("Error in the JQL Query: Expecting a field name after ORDER BY."),
        };
        let descending = if self.peek_keyword("desc") {
            self.at += 1;
            true
        } else {
            if self.peek_keyword("asc") {
                self.at += 1;
            }
            false
        };
        Ok(Sort { field, descending })
    }
}

/// Parses `jql`, refusing anything outside the subset above and queries with no restriction.
pub(crate) fn parse(jql: &str) -> Result<Query, JqlError> {
    let mut parser = Parser {
        tokens: tokenize(jql)?,
        at: 0,
    };
    let mut clauses = Vec::new();
    while parser.peek().is_some() && !parser.peek_keyword("order") {
        if !clauses.is_empty() {
            match parser.next() {
                Some(Token::Word(w)) if w.eq_ignore_ascii_case("and") => {}
                Some(Token::Word(w)) if w.eq_ignore_ascii_case("or") => {
                    return not_understood("OR");
                }
                _ => return error("Error in the JQL Query: Expecting either 'AND' or 'ORDER BY'."),
            }
        }
        clauses.push(parser.clause()?);
    }
    if clauses.is_empty() {
        return error(UNBOUNDED);
    }
    let mut order = Vec::new();
    if parser.peek_keyword("order") {
        parser.at += 1;
        if !parser.peek_keyword("by") {
            return error("Error in the JQL Query: Expecting 'BY' after 'ORDER'.");
        }
        parser.at += 1;
        order.push(parser.sort()?);
        while parser.peek() == Some(&Token::Comma) {
            parser.at += 1;
            order.push(parser.sort()?);
        }
    }
    if parser.peek().is_some() {
        return error("Error in the JQL Query: Unexpected text after the end of the query.");
    }
    if order.is_empty() {
        order.push(Sort {
            field: SortField::Created,
            descending: true,
        });
    }
    Ok(Query { clauses, order })
}

impl Query {
    /// Whether `issue` satisfies every clause, `current_user` standing for `currentUser()`.
    pub(crate) fn matches(&self, issue: &JiraIssue, current_user: &str) -> bool {
        self.clauses
            .iter()
            .all(|clause| clause.matches(issue, current_user))
    }

    /// Jira's order for this query; ties fall back to the newest key first, so pages are stable.
    pub(crate) fn compare(&self, a: &JiraIssue, b: &JiraIssue) -> Ordering {
        self.order
            .iter()
            .map(|sort| {
                let ordering = match sort.field {
                    SortField::Created => a.created.cmp(&b.created),
                    SortField::Updated => a.updated.cmp(&b.updated),
                    SortField::Key => key_order(a, b),
                    SortField::Priority => {
                        priority_rank(&a.priority).cmp(&priority_rank(&b.priority))
                    }
                };
                if sort.descending {
                    ordering.reverse()
                } else {
                    ordering
                }
            })
            .find(|ordering| ordering.is_ne())
            .unwrap_or_else(|| key_order(b, a))
    }
}

fn key_order(a: &JiraIssue, b: &JiraIssue) -> Ordering {
    let number = |issue: &JiraIssue| {
        issue
            .key
            .rsplit_once('-')
            .and_then(|(_, n)| n.parse::<u64>().ok())
            .unwrap_or(0)
    };
    a.project_key()
        .cmp(b.project_key())
        .then_with(|| number(a).cmp(&number(b)))
}

/// Jira's default priority scheme, lowest first so that `ORDER BY priority DESC` puts `Highest` first.
fn priority_rank(priority: &str) -> u8 {
    match priority.to_ascii_lowercase().as_str() {
        "lowest" => 1,
        "low" => 2,
        "medium" => 3,
        "high" => 4,
        "highest" => 5,
        _ => 0,
    }
}

impl Clause {
    fn matches(&self, issue: &JiraIssue, current_user: &str) -> bool {
        let text = match &self.value {
            Value::Empty => return self.is_empty(issue) != self.negated,
            Value::CurrentUser => current_user,
            Value::Text(text) => text.as_str(),
        };
        // Jira's `!=` never matches an issue whose field is empty.
        if self.negated && self.is_empty(issue) {
            return false;
        }
        let same = |a: &str| a.eq_ignore_ascii_case(text);
        let equal = match self.field {
            Field::Assignee => issue.assignee.as_deref() == Some(text),
            Field::Reporter => issue.reporter.as_deref() == Some(text),
            Field::Project => same(issue.project_key()) || same(&issue.project_name),
            Field::Status => same(&issue.status),
            Field::StatusCategory => {
                let category: StatusCategory = issue.category();
                same(category.name()) || same(category.key()) || text == category.id().to_string()
            }
            Field::Resolution => {
                if issue.is_resolved() {
                    same("Done")
                } else {
                    same("Unresolved")
                }
            }
            Field::IssueType => same(&issue.issue_type),
            Field::Priority => same(&issue.priority),
            Field::Key => same(&issue.key),
            Field::Labels => issue.labels.iter().any(|label| same(label)),
        };
        equal != self.negated
    }

    fn is_empty(&self, issue: &JiraIssue) -> bool {
        match self.field {
            Field::Assignee => issue.assignee.is_none(),
            Field::Reporter => issue.reporter.is_none(),
            Field::Resolution => !issue.is_resolved(),
            Field::Labels => issue.labels.is_empty(),
            _ => false,
        }
    }
}

#[cfg(test)]
#[path = "jql_tests.rs"]
mod tests;
