//! A small, strict JSON reader for the documents the browser must read:
//! the feed, key sets, the key chain file and the page's config.
//!
//! Why not serde_json here: its deserializer is monomorphised for every
//! type it reads, which made JSON the largest part of the partner widget's
//! wasm. This reader is one non-generic parser into a [`Value`] tree, and
//! each wire type reads itself out of it ([`FromJson`], implemented beside
//! the type and its serde attributes). serde stays for writing these types
//! and for everything else; tests (`tests/json_readers.rs`, the
//! `json_reader` fuzz target) check that this reader never accepts what
//! serde_json would reject, and reads the same values where both accept.
//!
//! Strict RFC 8259, and numbers must be whole (no Bongsu document has a
//! fraction): no comments, no trailing commas, no leading zeros, no raw
//! control characters or lone surrogates in strings, nesting at most
//! [`MAX_DEPTH`] deep (serde_json's limit too), and nothing after the value
//! but whitespace.

/// Deeper documents are rejected; Bongsu's own are at most six deep.
pub const MAX_DEPTH: usize = 127;

/// A type that reads itself from a [`Value`] exactly as its serde derive
/// reads JSON: field names, `deny_unknown_fields`, defaults, `null` for an
/// absent `Option`, RFC 3339 times. Implemented beside each wire type, so
/// a new field is added to the struct, its serde attributes and its reader
/// in one place.
pub trait FromJson: Sized {
    fn from_json(v: &Value<'_>) -> Result<Self, Problem>;
}

/// A JSON value and the byte offset where it starts, for error positions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value<'a> {
    pub at: usize,
    pub kind: Kind<'a>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind<'a> {
    Null,
    Bool(bool),
    /// The number as written; readers convert it to the type they need.
    Number(&'a str),
    String(String),
    Array(Vec<Value<'a>>),
    /// Members in document order; duplicates are kept for the reader to
    /// reject.
    Object(Vec<(String, Value<'a>)>),
}

/// Why a document could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at line {line} column {column}")]
pub struct JsonError {
    pub message: String,
    /// 1-based, counted in characters as editors do.
    pub line: usize,
    pub column: usize,
}

/// A problem at a byte offset, before it is turned into a line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub at: usize,
    pub message: String,
}

impl Problem {
    pub fn new(at: usize, message: impl Into<String>) -> Problem {
        Problem {
            at,
            message: message.into(),
        }
    }

    fn locate(self, text: &str) -> JsonError {
        let before = text.get(..self.at).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        JsonError {
            message: self.message,
            line,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

/// Parses `text` and reads a `T` out of it with `read`.
pub fn read<T>(
    text: &str,
    read: impl FnOnce(&Value) -> Result<T, Problem>,
) -> Result<T, JsonError> {
    parse(text)
        .and_then(|value| read(&value))
        .map_err(|p| p.locate(text))
}

/// Parses one JSON document.
pub fn parse(text: &str) -> Result<Value<'_>, Problem> {
    let mut parser = Parser { text, pos: 0 };
    let value = parser.value(0)?;
    parser.skip_whitespace();
    if parser.pos < text.len() {
        return Err(Problem::new(parser.pos, "trailing characters"));
    }
    Ok(value)
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>, Problem> {
        self.skip_whitespace();
        let at = self.pos;
        let kind = match self.peek() {
            None => return Err(Problem::new(at, "EOF while parsing a value")),
            Some(b'{') | Some(b'[') if depth >= MAX_DEPTH => {
                return Err(Problem::new(at, "nested too deeply"))
            }
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => Kind::String(self.string()?),
            Some(b'-' | b'0'..=b'9') => Kind::Number(self.number()?),
            Some(_) => self.literal()?,
        };
        Ok(Value { at, kind })
    }

    fn literal(&mut self) -> Result<Kind<'a>, Problem> {
        let rest = &self.text[self.pos..];
        for (word, kind) in [
            ("null", Kind::Null),
            ("true", Kind::Bool(true)),
            ("false", Kind::Bool(false)),
        ] {
            if rest.starts_with(word) {
                self.pos += word.len();
                return Ok(kind);
            }
        }
        Err(Problem::new(self.pos, "expected value"))
    }

    /// `-? (0 | [1-9][0-9]*)`. Fractions and exponents are valid JSON but
    /// no Bongsu document has one; refusing them keeps float parsing (and
    /// its overflow rules) out of the browser build.
    fn number(&mut self) -> Result<&'a str, Problem> {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        let mut pos = start + usize::from(bytes[start] == b'-');
        let int = bytes[pos..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if int == 0 || (int > 1 && bytes[pos] == b'0') {
            return Err(Problem::new(pos, "invalid number"));
        }
        pos += int;
        if matches!(bytes.get(pos), Some(b'.' | b'e' | b'E')) {
            return Err(Problem::new(start, "expected a whole number"));
        }
        self.pos = pos;
        Ok(&self.text[start..pos])
    }

    fn string(&mut self) -> Result<String, Problem> {
        self.pos += 1; // the opening quote
        let mut out = String::new();
        loop {
            // Copy the run up to the next quote, backslash or control
            // character in one go.
            let rest = &self.text[self.pos..];
            let run = rest
                .bytes()
                .position(|b| b == b'"' || b == b'\\' || b < 0x20)
                .ok_or_else(|| Problem::new(self.text.len(), "EOF while parsing a string"))?;
            out.push_str(&rest[..run]);
            self.pos += run;
            match self.text.as_bytes()[self.pos] {
                b'"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.pos += 1;
                    out.push(self.escape()?);
                }
                _ => {
                    return Err(Problem::new(
                        self.pos,
                        "control character (\\u0000-\\u001F) found while parsing a string",
                    ))
                }
            }
        }
    }

    /// After a backslash: one escaped character.
    fn escape(&mut self) -> Result<char, Problem> {
        let at = self.pos;
        let c = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.pos += 1;
                let high = self.hex4()?;
                return match high {
                    0xD800..=0xDBFF => {
                        if !self.text[self.pos..].starts_with("\\u") {
                            return Err(Problem::new(at, "lone leading surrogate in hex escape"));
                        }
                        self.pos += 2;
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(Problem::new(at, "lone leading surrogate in hex escape"));
                        }
                        let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                        char::from_u32(code)
                            .ok_or_else(|| Problem::new(at, "invalid unicode code point"))
                    }
                    0xDC00..=0xDFFF => {
                        Err(Problem::new(at, "lone trailing surrogate in hex escape"))
                    }
                    _ => char::from_u32(high)
                        .ok_or_else(|| Problem::new(at, "invalid unicode code point")),
                };
            }
            _ => return Err(Problem::new(at, "invalid escape")),
        };
        self.pos += 1;
        Ok(c)
    }

    fn hex4(&mut self) -> Result<u32, Problem> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| Problem::new(self.pos, "invalid escape"))?;
        self.pos += 4;
        u32::from_str_radix(digits, 16).map_err(|_| Problem::new(self.pos, "invalid escape"))
    }

    fn array(&mut self, depth: usize) -> Result<Kind<'a>, Problem> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Kind::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Kind::Array(items));
                }
                None => return Err(Problem::new(self.pos, "EOF while parsing a list")),
                Some(_) => return Err(Problem::new(self.pos, "expected `,` or `]`")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Kind<'a>, Problem> {
        self.pos += 1;
        let mut members = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Kind::Object(members));
        }
        loop {
            self.skip_whitespace();
            match self.peek() {
                Some(b'"') => {}
                None => return Err(Problem::new(self.pos, "EOF while parsing an object")),
                Some(_) => return Err(Problem::new(self.pos, "key must be a string")),
            }
            let key = self.string()?;
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return Err(Problem::new(self.pos, "expected `:`"));
            }
            self.pos += 1;
            members.push((key, self.value(depth + 1)?));
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Kind::Object(members));
                }
                None => return Err(Problem::new(self.pos, "EOF while parsing an object")),
                Some(_) => return Err(Problem::new(self.pos, "expected `,` or `}`")),
            }
        }
    }
}

/// Writes `s` as a JSON string, escaped as serde_json escapes it (so files
/// written either way are byte-identical).
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 0xf] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

// ---- reading values ------------------------------------------------------

impl<'a> Value<'a> {
    /// A struct: `read` takes its fields, then anything left is an error
    /// (`deny_unknown_fields`).
    pub fn object<T>(
        &self,
        read: impl FnOnce(&mut Fields<'_, 'a>) -> Result<T, Problem>,
    ) -> Result<T, Problem> {
        let mut fields = self.fields()?;
        let out = read(&mut fields)?;
        fields.finish()?;
        Ok(out)
    }

    /// An RFC 3339 time, as `crate::text::rfc3339` writes it for serde.
    pub fn time(&self) -> Result<time::OffsetDateTime, Problem> {
        crate::text::rfc3339::parse(self.str()?).ok_or_else(|| {
            Problem::new(
                self.at,
                "expected an RFC 3339 time such as 2022-10-15T06:30:00Z",
            )
        })
    }

    /// An array of strings.
    pub fn strings(&self) -> Result<Vec<String>, Problem> {
        self.list(Value::string)
    }

    fn kind_name(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Number(_) => "a number",
            Kind::String(_) => "a string",
            Kind::Array(_) => "an array",
            Kind::Object(_) => "an object",
        }
    }

    fn expected(&self, what: &str) -> Problem {
        Problem::new(
            self.at,
            format!("expected {what}, found {}", self.kind_name()),
        )
    }

    pub fn str(&self) -> Result<&str, Problem> {
        match &self.kind {
            Kind::String(s) => Ok(s),
            _ => Err(self.expected("a string")),
        }
    }

    pub fn string(&self) -> Result<String, Problem> {
        self.str().map(str::to_owned)
    }

    /// A whole number in `0..=u64::MAX`, written without fraction or
    /// exponent (as serde_json requires for integers).
    pub fn u64(&self) -> Result<u64, Problem> {
        match self.kind {
            Kind::Number(n) if n.bytes().all(|b| b.is_ascii_digit()) => n
                .parse()
                .map_err(|_| Problem::new(self.at, "the number is too large")),
            _ => Err(self.expected("a whole number")),
        }
    }

    pub fn u32(&self) -> Result<u32, Problem> {
        u32::try_from(self.u64()?).map_err(|_| Problem::new(self.at, "the number is too large"))
    }

    pub fn usize(&self) -> Result<usize, Problem> {
        usize::try_from(self.u64()?).map_err(|_| Problem::new(self.at, "the number is too large"))
    }

    pub fn array(&self) -> Result<&[Value<'a>], Problem> {
        match &self.kind {
            Kind::Array(items) => Ok(items),
            _ => Err(self.expected("an array")),
        }
    }

    /// Every item read with `read`.
    pub fn list<T>(
        &self,
        read: impl Fn(&Value<'a>) -> Result<T, Problem>,
    ) -> Result<Vec<T>, Problem> {
        // A plain loop: `collect` into a `Result` is several times the code
        // per item type in the browser build.
        let items = self.array()?;
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            out.push(read(item)?);
        }
        Ok(out)
    }

    /// An object's members, each name at most once.
    pub fn members(&self) -> Result<&[(String, Value<'a>)], Problem> {
        let Kind::Object(members) = &self.kind else {
            return Err(self.expected("an object"));
        };
        match first_duplicate(members) {
            None => Ok(members),
            Some(i) => {
                let (name, value) = &members[i];
                Err(Problem::new(value.at, format!("duplicate field `{name}`")))
            }
        }
    }

    /// The object's fields, for reading a struct.
    pub fn fields(&self) -> Result<Fields<'_, 'a>, Problem> {
        let members = self.members()?;
        Ok(Fields {
            members,
            at: self.at,
            taken: vec![false; members.len()],
        })
    }

    /// One of `names`, by position (for enums written as their name).
    pub fn one_of(&self, names: &[&str]) -> Result<usize, Problem> {
        let s = self.str()?;
        names.iter().position(|n| *n == s).ok_or_else(|| {
            Problem::new(
                self.at,
                format!(
                    "unknown variant `{s}`, expected one of `{}`",
                    names.join("`, `")
                ),
            )
        })
    }
}

/// The first member (in document order) whose name an earlier member has.
///
/// Sorting the positions by name keeps this O(n log n): comparing every
/// name with every earlier one was quadratic, and a region's 256 KiB
/// `keys.json` of 32,000 made-up members then held a reader's main thread
/// for seconds on every poll.
fn first_duplicate(members: &[(String, Value<'_>)]) -> Option<usize> {
    let mut order: Vec<usize> = (0..members.len()).collect();
    crate::text::sort::sort_positions(&mut order, &|a, b| {
        members[a].0.cmp(&members[b].0).then(a.cmp(&b))
    });
    // In each run of one name, every position after the run's first is a
    // repeat; the earliest of those is where a left-to-right reader stops.
    order
        .windows(2)
        .filter(|pair| members[pair[0]].0 == members[pair[1]].0)
        .map(|pair| pair[1])
        .min()
}

/// Reads a struct's fields by name; [`Fields::finish`] rejects any field
/// that was not read, as `#[serde(deny_unknown_fields)]` does.
pub struct Fields<'v, 'a> {
    members: &'v [(String, Value<'a>)],
    at: usize,
    taken: Vec<bool>,
}

impl<'v, 'a> Fields<'v, 'a> {
    /// The field, if present. A `null` counts as present: [`Fields::optional`]
    /// is for fields where null means absent.
    pub fn get(&mut self, name: &str) -> Option<&'v Value<'a>> {
        let i = self.members.iter().position(|(n, _)| n == name)?;
        self.taken[i] = true;
        Some(&self.members[i].1)
    }

    /// A required string field.
    pub fn text(&mut self, name: &str) -> Result<String, Problem> {
        self.required(name)?.string()
    }

    pub fn required(&mut self, name: &str) -> Result<&'v Value<'a>, Problem> {
        self.get(name)
            .ok_or_else(|| Problem::new(self.at, format!("missing field `{name}`")))
    }

    /// An `Option` field: absent and `null` both mean none.
    pub fn optional(&mut self, name: &str) -> Option<&'v Value<'a>> {
        self.get(name).filter(|v| v.kind != Kind::Null)
    }

    /// Fails on the first field that was not read.
    pub fn finish(self) -> Result<(), Problem> {
        match self.taken.iter().position(|taken| !taken) {
            None => Ok(()),
            Some(i) => {
                let (name, value) = &self.members[i];
                Err(Problem::new(value.at, format!("unknown field `{name}`")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(text: &str) -> Value<'_> {
        parse(text).unwrap_or_else(|e| panic!("{text:?}: {e:?}"))
    }

    #[test]
    fn reads_every_kind() {
        let v = ok(r#" {"a": [1, -25, true, false, null, "x\u00e9\ud83d\ude00\n"]} "#);
        let members = v.members().unwrap();
        assert_eq!(members[0].0, "a");
        let items = members[0].1.array().unwrap();
        assert_eq!(items[0].kind, Kind::Number("1"));
        assert_eq!(items[1].kind, Kind::Number("-25"));
        assert_eq!(items[2].kind, Kind::Bool(true));
        assert_eq!(items[3].kind, Kind::Bool(false));
        assert_eq!(items[4].kind, Kind::Null);
        assert_eq!(items[5].str().unwrap(), "xé😀\n");
    }

    #[test]
    fn rejects_what_rfc_8259_forbids() {
        for bad in [
            "",
            " ",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            ".5",
            "1e",
            "1.5e",
            "-",
            "+1",
            "\"a",
            "\"\u{1}\"",
            "\"\\x\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "\"\\u12\"",
            "nul",
            "True",
            "{a:1}",
            "{\"a\" 1}",
            "[1 2]",
            "1 2",
            "// c\n1",
            "\u{feff}1",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} was accepted");
            assert!(
                serde_json::from_str::<serde_json::Value>(bad).is_err(),
                "serde_json accepts {bad:?}"
            );
        }
    }

    #[test]
    fn nesting_is_limited() {
        let deep = |n: usize| "[".repeat(n) + &"]".repeat(n);
        assert!(parse(&deep(MAX_DEPTH)).is_ok());
        assert!(parse(&deep(MAX_DEPTH + 1)).is_err());
        // The same limit as serde_json's.
        assert!(serde_json::from_str::<serde_json::Value>(&deep(MAX_DEPTH)).is_ok());
        assert!(serde_json::from_str::<serde_json::Value>(&deep(MAX_DEPTH + 1)).is_err());
        assert!(parse(&deep(100_000)).is_err(), "no stack overflow");
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = read("{\n  \"a\": ,\n}", |_| Ok(())).unwrap_err();
        assert_eq!((e.line, e.column), (2, 8));
        let e = read("{\"é\": 1, \"b\": x}", |_| Ok(())).unwrap_err();
        assert_eq!((e.line, e.column), (1, 15), "columns count characters");
    }

    #[test]
    fn fields_reject_duplicates_unknowns_and_missing() {
        let v = ok(r#"{"a":1,"a":2}"#);
        assert!(v.fields().is_err());
        let v = ok(r#"{"a":1,"b":2}"#);
        let mut f = v.fields().unwrap();
        assert_eq!(f.required("a").unwrap().u64(), Ok(1));
        assert!(f.required("c").is_err());
        let e = f.finish().unwrap_err();
        assert_eq!(e.message, "unknown field `b`");
    }

    #[test]
    fn integers_are_plain_digits_in_range() {
        assert_eq!(ok("18446744073709551615").u64(), Ok(u64::MAX));
        for bad in ["18446744073709551616", "-1", "-0", "1.0", "1e2", "\"1\""] {
            assert!(parse(bad).and_then(|v| v.u64()).is_err(), "{bad}");
            assert!(serde_json::from_str::<u64>(bad).is_err(), "{bad}");
        }
        assert!(ok("4294967296").u32().is_err());
    }

    proptest! {
        /// Any JSON serde_json writes, this reads back to the same tree.
        #[test]
        fn reads_what_serde_json_writes(v in arb_json()) {
            let text = serde_json::to_string(&v).unwrap();
            prop_assert_eq!(to_serde(&ok(&text)), v.clone());
            let pretty = serde_json::to_string_pretty(&v).unwrap();
            prop_assert_eq!(to_serde(&ok(&pretty)), v);
        }

        /// Never more lenient than serde_json, on any text at all.
        #[test]
        fn accepts_nothing_serde_json_rejects(text in "[\\[\\]{}\":,0-9.eE+\\- a-z\\\\u]{0,24}") {
            if let Ok(v) = parse(&text) {
                let theirs: Result<serde_json::Value, _> = serde_json::from_str(&text);
                prop_assert!(theirs.is_ok(), "{:?}", text);
                prop_assert_eq!(to_serde(&v), theirs.unwrap());
            }
        }

        #[test]
        fn strings_are_written_as_serde_json_writes_them(s in "\\PC*|[\\x00-\\x20\"\\\\/]*") {
            let mut ours = String::new();
            write_string(&mut ours, &s);
            prop_assert_eq!(&ours, &serde_json::to_string(&s).unwrap());
            let back = ok(&ours);
            prop_assert_eq!(back.str().unwrap(), s.as_str());
        }
    }

    fn to_serde(v: &Value) -> serde_json::Value {
        use serde_json::Value as J;
        match &v.kind {
            Kind::Null => J::Null,
            Kind::Bool(b) => J::Bool(*b),
            Kind::Number(n) => serde_json::from_str(n).unwrap(),
            Kind::String(s) => J::String(s.clone()),
            Kind::Array(items) => J::Array(items.iter().map(to_serde).collect()),
            // Last duplicate wins, as in serde_json::Value.
            Kind::Object(members) => J::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.clone(), to_serde(v)))
                    .collect(),
            ),
        }
    }

    fn arb_json() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value as J;
        let leaf = prop_oneof![
            Just(J::Null),
            any::<bool>().prop_map(J::Bool),
            any::<u64>().prop_map(J::from),
            any::<i64>().prop_map(J::from),
            "\\PC{0,8}|[\\x00-\\x1f\"\\\\]{0,4}".prop_map(J::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(J::Array),
                prop::collection::btree_map("\\PC{0,6}", inner, 0..6)
                    .prop_map(|m| J::Object(m.into_iter().collect())),
            ]
        })
    }
}
