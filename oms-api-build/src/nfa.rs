//! Compiles a pattern of the spec into the program that
//! `oms_api::pattern::is_match` runs (a Thompson construction), so that the
//! client needs no regex crate. The syntax: `^`, `$`, `|`, groups `( )` and
//! `(?: )`, classes `[…]` and `[^…]` with ranges, `.`, `\d \w \s \D \W \S`,
//! `\t \n \r`, escaped punctuation, and the greedy or lazy quantifiers `*`,
//! `+`, `?`, `{n}`, `{n,}`, `{n,m}` (laziness does not change whether a
//! value matches). Anything else is an error, at build time.

use proc_macro2::TokenStream;
use quote::quote;

/// The most instructions a pattern may compile to.
const MAX_PROGRAM: usize = 4096;

#[derive(Debug, Clone)]
enum Node {
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    Start,
    End,
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat {
        node: Box<Node>,
        min: usize,
        max: Option<usize>,
    },
}

/// An instruction, as `oms_api::pattern::Inst`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Inst {
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    Split(usize, usize),
    Jump(usize),
    Start,
    End,
    Match,
}

/// The program of `pattern`, or why it cannot be compiled.
pub(crate) fn compile(pattern: &str) -> Result<Vec<Inst>, String> {
    let mut parser = Parser {
        chars: pattern.chars().collect(),
        at: 0,
    };
    let node = parser.alternation()?;
    if parser.at != parser.chars.len() {
        return Err(format!("unexpected `{}`", parser.chars[parser.at]));
    }
    let mut program = Vec::new();
    emit(&node, &mut program)?;
    program.push(Inst::Match);
    Ok(program)
}

/// `&[crate::pattern::Inst::…, …]` for `program`.
pub(crate) fn tokens(program: &[Inst]) -> TokenStream {
    let insts = program.iter().map(|inst| match inst {
        Inst::Class { negated, ranges } => {
            let ranges = ranges.iter().map(|(lo, hi)| quote!((#lo, #hi)));
            quote!(crate::pattern::Inst::Class { negated: #negated, ranges: &[#(#ranges),*] })
        }
        Inst::Split(a, b) => quote!(crate::pattern::Inst::Split(#a, #b)),
        Inst::Jump(to) => quote!(crate::pattern::Inst::Jump(#to)),
        Inst::Start => quote!(crate::pattern::Inst::Start),
        Inst::End => quote!(crate::pattern::Inst::End),
        Inst::Match => quote!(crate::pattern::Inst::Match),
    });
    quote!(&[#(#insts),*])
}

fn emit(node: &Node, program: &mut Vec<Inst>) -> Result<(), String> {
    if program.len() > MAX_PROGRAM {
        return Err(format!("compiles to more than {MAX_PROGRAM} instructions"));
    }
    match node {
        Node::Class { negated, ranges } => program.push(Inst::Class {
            negated: *negated,
            ranges: ranges.clone(),
        }),
        Node::Start => program.push(Inst::Start),
        Node::End => program.push(Inst::End),
        Node::Concat(nodes) => {
            for node in nodes {
                emit(node, program)?;
            }
        }
        Node::Alt(nodes) => {
            let mut jumps = Vec::new();
            for (index, node) in nodes.iter().enumerate() {
                if index + 1 < nodes.len() {
                    let split = program.len();
                    program.push(Inst::Split(split + 1, 0));
                    emit(node, program)?;
                    jumps.push(program.len());
                    program.push(Inst::Jump(0));
                    let next = program.len();
                    program[split] = Inst::Split(split + 1, next);
                } else {
                    emit(node, program)?;
                }
            }
            let end = program.len();
            for jump in jumps {
                program[jump] = Inst::Jump(end);
            }
        }
        Node::Repeat { node, min, max } => {
            for _ in 0..*min {
                emit(node, program)?;
            }
            match max {
                None => {
                    let split = program.len();
                    program.push(Inst::Split(split + 1, 0));
                    emit(node, program)?;
                    program.push(Inst::Jump(split));
                    let out = program.len();
                    program[split] = Inst::Split(split + 1, out);
                }
                Some(max) => {
                    let mut splits = Vec::new();
                    for _ in *min..*max {
                        splits.push(program.len());
                        program.push(Inst::Split(0, 0));
                        emit(node, program)?;
                    }
                    let out = program.len();
                    for split in splits {
                        program[split] = Inst::Split(split + 1, out);
                    }
                }
            }
        }
    }
    Ok(())
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        let found = self.peek() == Some(c);
        if found {
            self.at += 1;
        }
        found
    }

    fn alternation(&mut self) -> Result<Node, String> {
        let mut branches = vec![self.concatenation()?];
        while self.eat('|') {
            branches.push(self.concatenation()?);
        }
        Ok(if branches.len() == 1 {
            branches.remove(0)
        } else {
            Node::Alt(branches)
        })
    }

    fn concatenation(&mut self) -> Result<Node, String> {
        let mut nodes = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            nodes.push(self.quantified(atom)?);
        }
        Ok(Node::Concat(nodes))
    }

    fn quantified(&mut self, atom: Node) -> Result<Node, String> {
        let (min, max) = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => {
                self.at += 1;
                let mut spec = String::new();
                loop {
                    match self.next() {
                        Some('}') => break,
                        Some(c) => spec.push(c),
                        None => return Err("an unclosed `{`".to_owned()),
                    }
                }
                let number = |text: &str| {
                    text.trim()
                        .parse::<usize>()
                        .map_err(|_| format!("a bad count `{{{spec}}}`"))
                };
                let (min, max) = match spec.split_once(',') {
                    None => {
                        let n = number(&spec)?;
                        (n, Some(n))
                    }
                    Some((min, "")) => (number(min)?, None),
                    Some((min, max)) => (number(min)?, Some(number(max)?)),
                };
                if max.is_some_and(|max| max < min) {
                    return Err(format!("a bad count `{{{spec}}}`"));
                }
                self.at -= 1;
                (min, max)
            }
            _ => return Ok(atom),
        };
        self.at += 1;
        // A lazy quantifier matches the same values.
        self.eat('?');
        if matches!(atom, Node::Start | Node::End) {
            return Err("a quantified anchor".to_owned());
        }
        Ok(Node::Repeat {
            node: Box::new(atom),
            min,
            max,
        })
    }

    fn atom(&mut self) -> Result<Node, String> {
        let c = self.next().ok_or("an unexpected end")?;
        Ok(match c {
            '^' => Node::Start,
            '$' => Node::End,
            '.' => Node::Class {
                negated: true,
                ranges: vec![('\n', '\n'), ('\r', '\r'), ('\u{2028}', '\u{2029}')],
            },
            '(' => {
                if self.eat('?') && !self.eat(':') {
                    return Err("a group other than `(?:`".to_owned());
                }
                let inner = self.alternation()?;
                if !self.eat(')') {
                    return Err("an unclosed `(`".to_owned());
                }
                inner
            }
            '[' => self.class()?,
            '\\' => {
                let (negated, ranges) = self.escape()?;
                Node::Class { negated, ranges }
            }
            '*' | '+' | '?' | '{' | ')' | ']' | '}' => {
                return Err(format!("an unexpected `{c}`"));
            }
            plain => Node::Class {
                negated: false,
                ranges: vec![(plain, plain)],
            },
        })
    }

    /// After `\`: the class it stands for.
    fn escape(&mut self) -> Result<(bool, Vec<(char, char)>), String> {
        let c = self.next().ok_or("a `\\` at the end")?;
        let digits = vec![('0', '9')];
        let word = vec![('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')];
        let space = vec![
            ('\t', '\r'),
            (' ', ' '),
            ('\u{a0}', '\u{a0}'),
            ('\u{1680}', '\u{1680}'),
            ('\u{2000}', '\u{200a}'),
            ('\u{2028}', '\u{2029}'),
            ('\u{202f}', '\u{202f}'),
            ('\u{205f}', '\u{205f}'),
            ('\u{3000}', '\u{3000}'),
            ('\u{feff}', '\u{feff}'),
        ];
        Ok(match c {
            'd' => (false, digits),
            'D' => (true, digits),
            'w' => (false, word),
            'W' => (true, word),
            's' => (false, space),
            'S' => (true, space),
            't' => (false, vec![('\t', '\t')]),
            'n' => (false, vec![('\n', '\n')]),
            'r' => (false, vec![('\r', '\r')]),
            c if c.is_ascii_alphanumeric() => return Err(format!("the escape `\\{c}`")),
            c => (false, vec![(c, c)]),
        })
    }

    /// After `[`.
    fn class(&mut self) -> Result<Node, String> {
        let negated = self.eat('^');
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            let c = self.next().ok_or("an unclosed `[`")?;
            let lo = match c {
                ']' if !first => break,
                '\\' => {
                    let (escape_negated, escaped) = self.escape()?;
                    if escape_negated {
                        return Err("a negated escape inside `[…]`".to_owned());
                    }
                    if escaped.len() != 1 || escaped[0].0 != escaped[0].1 {
                        ranges.extend(escaped);
                        first = false;
                        continue;
                    }
                    escaped[0].0
                }
                c => c,
            };
            first = false;
            if self.peek() == Some('-') && self.chars.get(self.at + 1).is_some_and(|&c| c != ']') {
                self.at += 1;
                let hi = match self.next().ok_or("an unclosed `[`")? {
                    '\\' => match self.escape()? {
                        (false, single) if single.len() == 1 && single[0].0 == single[0].1 => {
                            single[0].0
                        }
                        _ => return Err("a class as the end of a range".to_owned()),
                    },
                    hi => hi,
                };
                if hi < lo {
                    return Err(format!("the range `{lo}-{hi}`"));
                }
                ranges.push((lo, hi));
            } else {
                ranges.push((lo, lo));
            }
        }
        Ok(Node::Class { negated, ranges })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `program` as `oms_api::pattern::is_match` does, by simple
    /// backtracking over sets of states (enough for short test values).
    fn run(program: &[Inst], text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        let closure = |start: Vec<usize>, at: usize| {
            let mut seen = vec![false; program.len()];
            let mut stack = start;
            let mut out = Vec::new();
            while let Some(pc) = stack.pop() {
                if std::mem::replace(&mut seen[pc], true) {
                    continue;
                }
                match &program[pc] {
                    Inst::Split(a, b) => stack.extend([*b, *a]),
                    Inst::Jump(to) => stack.push(*to),
                    Inst::Start if at == 0 => stack.push(pc + 1),
                    Inst::End if at == chars.len() => stack.push(pc + 1),
                    Inst::Start | Inst::End => {}
                    _ => out.push(pc),
                }
            }
            out
        };
        (0..=chars.len()).any(|start| {
            let mut states = closure(vec![0], start);
            for at in start..=chars.len() {
                if states.iter().any(|&pc| program[pc] == Inst::Match) {
                    return true;
                }
                let Some(&c) = chars.get(at) else { break };
                let next: Vec<usize> = states
                    .iter()
                    .filter_map(|&pc| match &program[pc] {
                        Inst::Class { negated, ranges }
                            if ranges.iter().any(|&(lo, hi)| (lo..=hi).contains(&c))
                                != *negated =>
                        {
                            Some(pc + 1)
                        }
                        _ => None,
                    })
                    .collect();
                states = closure(next, at + 1);
            }
            false
        })
    }

    /// Every pattern of the spec that is not a run of classes, and a few
    /// more, against regress (the regex typify would have used) on values
    /// made of the characters that matter to each.
    #[test]
    fn agrees_with_regress() {
        let cases: [(&str, &str); 7] = [
            ("^([01][0-9]|2[0-3]):[0-5][0-9]$", "0123459:"),
            ("^$|/$", "a/"),
            (
                "^(REQUEST|SUCCESS|FAILURE|SKIP|SIZE)(,(REQUEST|SUCCESS|FAILURE|SKIP|SIZE))*$",
                "REQUSCF,KIZ",
            ),
            ("^(?:ab|a)*c?$", "abc"),
            ("^a{2,3}b{2}$", "ab"),
            (r"^[\d\-x]+.\s?$", "0-x a"),
            ("x|^y+$", "xyz"),
        ];
        for (pattern, alphabet) in cases {
            let program = compile(pattern).unwrap();
            let regex = regress::Regex::new(pattern).unwrap();
            let alphabet: Vec<char> = alphabet.chars().collect();
            // Every value of up to 4 characters from the alphabet, and some
            // longer ones.
            let mut values = vec![String::new()];
            for _ in 0..4 {
                let longer: Vec<String> = values
                    .iter()
                    .filter(|v| v.chars().count() == values.last().map_or(0, |l| l.chars().count()))
                    .flat_map(|v| alphabet.iter().map(move |c| format!("{v}{c}")))
                    .collect();
                values.extend(longer);
            }
            values.extend(
                [
                    "23:59",
                    "24:00",
                    "09:60",
                    "REQUEST,SIZE,SKIP",
                    "REQUEST,",
                    "dir/sub/",
                    "ababababc",
                ]
                .map(String::from),
            );
            for value in &values {
                assert_eq!(
                    run(&program, value),
                    regex.find(value).is_some(),
                    "{pattern} on {value:?}"
                );
            }
        }
    }

    #[test]
    fn refuses_what_it_cannot_compile() {
        for (pattern, problem) in [
            (r"^\bword$", "the escape `\\b`"),
            ("^(?=a)$", "a group other than `(?:`"),
            ("^(a$", "an unclosed `(`"),
            ("^a{3,1}$", "a bad count `{3,1}`"),
            ("^[z-a]$", "the range `z-a`"),
            ("^*$", "a quantified anchor"),
            ("^a)$", "unexpected `)`"),
            (
                "^(a{1,100}){1,100}$",
                "compiles to more than 4096 instructions",
            ),
        ] {
            assert_eq!(compile(pattern).unwrap_err(), problem, "{pattern}");
        }
    }
}
