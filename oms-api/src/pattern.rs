//! The spec's patterns that are more than a run of character classes (an
//! alternation, a repeated group), matched without a regex crate: the
//! generator compiles each into a small program of [`Inst`]s at build time
//! (`oms-api-build`'s `nfa` module), and [`is_match`] runs it as a Pike
//! virtual machine — every thread in step, each instruction visited at most
//! once per character, so the time is linear in the value's length and
//! nothing recurses.

/// One instruction of a compiled pattern.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Inst {
    /// One character in `ranges` (or, when `negated`, in none of them).
    Class {
        negated: bool,
        ranges: &'static [(char, char)],
    },
    /// Go on at both.
    Split(usize, usize),
    /// Go on there.
    Jump(usize),
    /// Only at the start of the value (`^`).
    Start,
    /// Only at its end (`$`).
    End,
    /// The pattern matched.
    Match,
}

/// Whether `program` matches somewhere in `text` (as a regex search does:
/// anchors say where).
pub(crate) fn is_match(program: &[Inst], text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let mut current = Threads::new(program.len());
    let mut next = Threads::new(program.len());
    for at in 0..=chars.len() {
        // A new thread at every position: the match may start anywhere.
        if current.add(program, 0, at, chars.len()) {
            return true;
        }
        let Some(&c) = chars.get(at) else {
            break;
        };
        for index in 0..current.list.len() {
            let pc = current.list[index];
            if let Inst::Class { negated, ranges } = program[pc]
                && ranges.iter().any(|&(lo, hi)| (lo..=hi).contains(&c)) != negated
                && next.add(program, pc + 1, at + 1, chars.len())
            {
                return true;
            }
        }
        std::mem::swap(&mut current, &mut next);
        next.clear();
    }
    false
}

/// The threads at one position: the instructions waiting for a character,
/// each once.
struct Threads {
    list: Vec<usize>,
    seen: Vec<bool>,
    stack: Vec<usize>,
}

impl Threads {
    fn new(size: usize) -> Self {
        Self {
            list: Vec::new(),
            seen: vec![false; size],
            stack: Vec::new(),
        }
    }

    fn clear(&mut self) {
        self.list.clear();
        self.seen.iter_mut().for_each(|s| *s = false);
    }

    /// Follows every jump from `pc` at position `at` of a value of `len`
    /// characters; `true` when it reaches `Match`.
    fn add(&mut self, program: &[Inst], pc: usize, at: usize, len: usize) -> bool {
        self.stack.push(pc);
        while let Some(pc) = self.stack.pop() {
            if pc >= program.len() || std::mem::replace(&mut self.seen[pc], true) {
                continue;
            }
            match program[pc] {
                Inst::Class { .. } => self.list.push(pc),
                Inst::Split(a, b) => {
                    self.stack.push(b);
                    self.stack.push(a);
                }
                Inst::Jump(to) => self.stack.push(to),
                Inst::Start if at == 0 => self.stack.push(pc + 1),
                Inst::End if at == len => self.stack.push(pc + 1),
                Inst::Start | Inst::End => {}
                Inst::Match => {
                    self.stack.clear();
                    return true;
                }
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGIT: Inst = Inst::Class {
        negated: false,
        ranges: &[('0', '9')],
    };

    #[test]
    fn anchors_alternation_and_loops() {
        // `^$|/$`
        let folder = [
            Inst::Split(1, 4),
            Inst::Start,
            Inst::End,
            Inst::Jump(7),
            Inst::Class {
                negated: false,
                ranges: &[('/', '/')],
            },
            Inst::End,
            Inst::Jump(7),
            Inst::Match,
        ];
        for (value, expected) in [
            ("", true),
            ("a/", true),
            ("/", true),
            ("a", false),
            ("/a", false),
        ] {
            assert_eq!(is_match(&folder, value), expected, "{value:?}");
        }
        // `^[0-9]+$`
        let digits = [
            Inst::Start,
            DIGIT,
            Inst::Split(1, 3),
            Inst::End,
            Inst::Match,
        ];
        assert!(is_match(&digits, "0123"));
        assert!(!is_match(&digits, "01a3"));
        assert!(!is_match(&digits, ""));
        // A long value takes no stack.
        assert!(is_match(&digits, &"7".repeat(1_000_000)));
    }
}
