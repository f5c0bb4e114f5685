//! Edit distance in characters with Myers' bit-parallel algorithm (Hyyrö's
//! block form): O(n·⌈m/64⌉) word operations instead of O(n·m) cells, so two
//! 20,000-character texts take milliseconds. Texts longer than
//! [`MAX_EDIT_CHARS`] are refused: the cost of one item stays bounded.

use std::collections::HashMap;

/// The longest text (in characters, either side) the `levenshtein` evaluator compares.
pub const MAX_EDIT_CHARS: usize = 100_000;

/// Levenshtein distance between `a` and `b` in characters (not bytes).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // The shorter text is the pattern: fewer 64-bit blocks per column.
    let (pattern, text) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if pattern.is_empty() {
        return text.len();
    }
    myers(&pattern, &text)
}

/// Per character of the pattern, the bit mask of where it occurs, block by block.
struct Occurrences {
    blocks: usize,
    index: HashMap<char, usize>,
    masks: Vec<u64>,
}

impl Occurrences {
    fn new(pattern: &[char]) -> Self {
        let blocks = pattern.len().div_ceil(64);
        let mut index = HashMap::new();
        let mut masks = Vec::new();
        for (i, c) in pattern.iter().enumerate() {
            let next = index.len();
            let row = *index.entry(*c).or_insert(next);
            if row == next {
                masks.resize(masks.len() + blocks, 0);
            }
            masks[row * blocks + i / 64] |= 1 << (i % 64);
        }
        Occurrences { blocks, index, masks }
    }

    /// The masks of `c`, one per block (none when the pattern lacks it).
    fn masks(&self, c: char) -> Option<&[u64]> {
        self.index.get(&c).map(|row| &self.masks[row * self.blocks..(row + 1) * self.blocks])
    }
}

fn myers(pattern: &[char], text: &[char]) -> usize {
    let peq = Occurrences::new(pattern);
    let blocks = peq.blocks;
    let last = 1u64 << ((pattern.len() - 1) % 64);
    let mut vp = vec![u64::MAX; blocks];
    let mut vn = vec![0u64; blocks];
    let mut distance = pattern.len();
    for &c in text {
        // Row 0 of the table grows by one per column: a +1 enters the first block.
        let (mut hp_carry, mut hn_carry) = (1u64, 0u64);
        let masks = peq.masks(c);
        for block in 0..blocks {
            let (p, n) = (vp[block], vn[block]);
            let x = masks.map_or(0, |m| m[block]) | hn_carry;
            let d0 = (((x & p).wrapping_add(p)) ^ p) | x | n;
            let mut hp = n | !(d0 | p);
            let mut hn = d0 & p;
            let (hp_in, hn_in) = (hp_carry, hn_carry);
            if block + 1 < blocks {
                (hp_carry, hn_carry) = (hp >> 63, hn >> 63);
            } else {
                (hp_carry, hn_carry) = (u64::from(hp & last != 0), u64::from(hn & last != 0));
            }
            hp = (hp << 1) | hp_in;
            hn = (hn << 1) | hn_in;
            vp[block] = hn | !(d0 | hp);
            vn[block] = hp & d0;
        }
        distance = distance + hp_carry as usize - hn_carry as usize;
    }
    distance
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The textbook O(n·m) table, to check the fast one against.
    fn naive(a: &str, b: &str) -> usize {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let mut previous: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.iter().enumerate() {
            let mut current = vec![i + 1; b.len() + 1];
            for (j, cb) in b.iter().enumerate() {
                current[j + 1] = (previous[j] + usize::from(ca != cb)).min(previous[j + 1] + 1).min(current[j] + 1);
            }
            previous = current;
        }
        previous[b.len()]
    }

    #[test]
    fn known_distances() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("café", "cafe"), 1, "characters, not bytes");
        let long_a: String = "ab".repeat(100);
        let long_b: String = "ba".repeat(100);
        assert_eq!(edit_distance(&long_a, &long_b), naive(&long_a, &long_b));
    }

    #[test]
    fn twenty_thousand_characters_take_milliseconds() {
        let a: String = (0..20_000).map(|i| char::from(b'a' + (i * 7 % 26) as u8)).collect();
        let b: String = (0..20_000).map(|i| char::from(b'a' + (i * 11 % 26) as u8)).collect();
        let started = std::time::Instant::now();
        let d = edit_distance(&a, &b);
        assert!(d > 0 && d <= 20_000);
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
    }

    proptest! {
        #[test]
        fn matches_the_table(a in "[abc日]{0,150}", b in "[abcd日]{0,150}") {
            prop_assert_eq!(edit_distance(&a, &b), naive(&a, &b));
        }
    }
}
