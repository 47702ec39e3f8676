//! The length rules of the generated types and of [`Secret`](crate::Secret),
//! which count characters. A character is one to four bytes, so the byte
//! length alone settles most values, and only the others are counted.

/// Whether `value` is more than `n` characters long.
pub(crate) fn more_chars_than(value: &str, n: usize) -> bool {
    value.len() > n && value.chars().count() > n
}

/// Whether `value` is fewer than `n` characters long.
pub(crate) fn fewer_chars_than(value: &str, n: usize) -> bool {
    value.len() < n || (value.len() / 4 < n && value.chars().count() < n)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn agrees_with_counting(value in "\\PC{0,12}", n in 0usize..16) {
            let count = value.chars().count();
            proptest::prop_assert_eq!(more_chars_than(&value, n), count > n);
            proptest::prop_assert_eq!(fewer_chars_than(&value, n), count < n);
        }
    }

    #[test]
    fn counts_characters_not_bytes() {
        // Four characters of four bytes each.
        let wide = "𝄞𝄞𝄞𝄞";
        assert!(!more_chars_than(wide, 4));
        assert!(more_chars_than(wide, 3));
        assert!(!fewer_chars_than(wide, 4));
        assert!(fewer_chars_than(wide, 5));
        assert!(fewer_chars_than("", 1));
        assert!(!fewer_chars_than("", 0));
    }
}
