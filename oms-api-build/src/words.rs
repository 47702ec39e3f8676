//! The spec's rules in words, as validation errors state them
//! (`must be 1 to 100 characters`). `oms-api`'s `Secret` states its length
//! rule the same way; a test there compares the two.

/// A string length rule.
pub(crate) fn length(min: usize, max: Option<usize>) -> String {
    let unit = |n: usize| if n == 1 { "character" } else { "characters" };
    match (min, max) {
        (0, None) => "may be any length".to_owned(),
        (0, Some(max)) => format!("must be at most {max} {}", unit(max)),
        (1, None) => "must not be empty".to_owned(),
        (min, None) => format!("must be at least {min} {}", unit(min)),
        (min, Some(max)) if min == max => format!("must be exactly {min} {}", unit(min)),
        (min, Some(max)) => format!("must be {min} to {max} characters"),
    }
}

/// An integer range.
pub(crate) fn range(min: Option<i64>, max: Option<i64>) -> String {
    match (min, max) {
        (Some(min), Some(max)) => format!("must be {min} to {max}"),
        (Some(min), None) => format!("must be at least {min}"),
        (None, Some(max)) => format!("must be at most {max}"),
        (None, None) => "may be any integer".to_owned(),
    }
}

/// A number of array items.
pub(crate) fn items(min: Option<usize>, max: Option<usize>) -> String {
    let unit = |n: usize| if n == 1 { "item" } else { "items" };
    match (min, max) {
        (Some(min), Some(max)) => format!("must have {min} to {max} items"),
        (Some(min), None) => format!("must have at least {min} {}", unit(min)),
        (None, Some(max)) => format!("must have at most {max} {}", unit(max)),
        (None, None) => "may have any number of items".to_owned(),
    }
}

/// One field of several.
pub(crate) fn exactly_one(fields: &[String]) -> String {
    let listed: Vec<String> = fields.iter().map(|f| format!("`{f}`")).collect();
    match listed.split_last() {
        Some((last, [])) => format!("{last} must be set"),
        Some((last, rest)) => format!("exactly one of {} and {last} must be set", rest.join(", ")),
        None => String::new(),
    }
}

/// A value from a list.
pub(crate) fn one_of(values: &[String]) -> String {
    let listed: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
    format!("must be one of {}", listed.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_read_as_the_spec_states_them() {
        assert_eq!(length(1, Some(100)), "must be 1 to 100 characters");
        assert_eq!(length(0, Some(255)), "must be at most 255 characters");
        assert_eq!(length(36, Some(36)), "must be exactly 36 characters");
        assert_eq!(length(1, None), "must not be empty");
        assert_eq!(length(0, Some(1)), "must be at most 1 character");
    }

    #[test]
    fn ranges_items_and_lists_read_as_rules() {
        assert_eq!(range(Some(1), Some(100)), "must be 1 to 100");
        assert_eq!(range(Some(0), None), "must be at least 0");
        assert_eq!(items(Some(1), Some(100)), "must have 1 to 100 items");
        assert_eq!(items(None, Some(1)), "must have at most 1 item");
        assert_eq!(
            exactly_one(&["group_id".to_owned(), "ids".to_owned()]),
            "exactly one of `group_id` and `ids` must be set"
        );
        assert_eq!(
            one_of(&["DEFAULT".to_owned(), "KMS".to_owned()]),
            "must be one of `DEFAULT`, `KMS`"
        );
    }
}
