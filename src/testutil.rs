//! Inputs for the unit tests that hold a fast path to its general version.

/// Every string of at most `max_len` pieces of `alphabet`, each length in
/// turn: small enough to try them all, and every order of the tricky
/// characters (doubled spaces, a separator at either end ...) is among them.
pub fn every_string(alphabet: &[&str], max_len: u32) -> Vec<String> {
    let mut out = Vec::new();
    for len in 0..=max_len {
        for mut n in 0..alphabet.len().pow(len) {
            let mut s = String::new();
            for _ in 0..len {
                s.push_str(alphabet[n % alphabet.len()]);
                n /= alphabet.len();
            }
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_string_is_there_once() {
        let all = super::every_string(&["a", "b"], 2);
        assert_eq!(all, ["", "a", "b", "aa", "ba", "ab", "bb"]);
    }
}
