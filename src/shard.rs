//! Shards of a sweep (`--shard I/N`): which of a scenario's trials one process runs, so a
//! study can be split over machines or a job array and merged again with `retrogait report`.

use std::fmt;

/// A deterministic slice of a sweep: shard `index` of `count` runs the trials whose index
/// modulo `count` is `index - 1`, so shards interleave and take similar mixes of conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based shard number.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl Shard {
    /// The whole sweep.
    pub const ALL: Shard = Shard { index: 1, count: 1 };

    /// Parses `I/N` (as given to `--shard`), with 1 ≤ I ≤ N.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("`{s}` is not of the form I/N (shard I of N), e.g. 1/4"))?;
        let num = |v: &str, what: &str| {
            v.trim()
                .parse::<usize>()
                .map_err(|_| format!("`{v}` in `{s}` is not a {what}"))
        };
        let (index, count) = (num(i, "shard number")?, num(n, "number of shards")?);
        if count == 0 {
            return Err(format!("`{s}`: the number of shards must be at least 1"));
        }
        if index == 0 || index > count {
            return Err(format!(
                "`{s}`: the shard number must be between 1 and {count}"
            ));
        }
        Ok(Self { index, count })
    }

    /// Whether trial `trial_index` (0-based) belongs to this shard.
    pub fn contains(&self, trial_index: usize) -> bool {
        trial_index % self.count == self.index - 1
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_partition_the_trials() {
        assert_eq!(Shard::parse("2/3"), Ok(Shard { index: 2, count: 3 }));
        for bad in ["0/2", "3/2", "1/0", "a/2", "1", "1/2/3", "-1/2"] {
            let e = Shard::parse(bad).unwrap_err();
            assert!(e.contains(bad) || e.contains("shard"), "{bad}: {e}");
        }
        let shards: Vec<Shard> = (1..=3).map(|i| Shard { index: i, count: 3 }).collect();
        for trial in 0..20 {
            assert_eq!(shards.iter().filter(|s| s.contains(trial)).count(), 1);
        }
        assert!((0..5).all(|t| Shard::ALL.contains(t)));
    }
}
