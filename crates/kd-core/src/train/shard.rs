//! Spreading one invocation's run graph over several processes or machines.
//!
//! `--shard I/N`: every run key belongs to one of N shards (by its hash, so every process
//! agrees without talking to the others). A sharded process walks the experiments like
//! `--plan` does, and trains for real exactly the runs that are its own and whose teachers are
//! already in the run store; everything else is a stand-in, and no results are written.
//! Processes sharing a run store (a shared filesystem; the store's per-key locks keep a key
//! from being trained twice) therefore finish the graph level by level: run all shards, again
//! while any run waits for a teacher, then once without `--shard` to load every run and write
//! the tables.
//!
//! `--plan --emit slurm` writes that schedule as a Slurm script: one job array of N tasks per
//! level of the graph (a run's level is one more than its deepest dependency's, teachers and
//! starts alike), each array depending on the previous one, and a last job that writes the
//! results.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::train::graph::{Plan, PlannedRun};

/// Shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// Whether the run with this key is this shard's to train.
    pub fn owns(&self, key: &str) -> bool {
        shard_of(key, self.count) == self.index
    }
}

/// The shard (1-based) of `key` among `count`: FNV-1a of the key, so it does not depend on
/// the key's format.
pub fn shard_of(key: &str, count: usize) -> usize {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (hash % count.max(1) as u64) as usize + 1
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not I/N with 1 <= I <= N (for example 2/4)");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            i.trim().parse::<usize>().map_err(|_| bad())?,
            n.trim().parse::<usize>().map_err(|_| bad())?,
        );
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Plan {
    /// The runs still to train, by level: level 0 has no teacher left to train, level k+1
    /// distils at least one run of level k. Runs keep their plan order within a level.
    pub fn levels(&self) -> Vec<Vec<&PlannedRun>> {
        let pending: BTreeMap<&str, &PlannedRun> = self
            .runs
            .iter()
            .filter(|r| !r.stored && !r.diverged)
            .map(|r| (r.key.as_str(), r))
            .collect();
        let mut level_of: BTreeMap<&str, usize> = BTreeMap::new();
        // The plan lists teachers before their students, so one pass settles every level.
        for r in self
            .runs
            .iter()
            .filter(|r| pending.contains_key(r.key.as_str()))
        {
            let level = r
                .teachers
                .iter()
                .filter_map(|t| level_of.get(t.as_str()).map(|l| l + 1))
                .max()
                .unwrap_or(0);
            level_of.insert(&r.key, level);
        }
        let depth = level_of.values().max().map_or(0, |d| d + 1);
        let mut levels = vec![Vec::new(); depth];
        for r in self.runs.iter() {
            if let Some(&l) = level_of.get(r.key.as_str()) {
                levels[l].push(r);
            }
        }
        levels
    }

    /// A Slurm script that trains this plan's pending runs with `shards` tasks per level and
    /// then writes the results. `command` is the invocation without `--plan`, `--emit` or
    /// `--shard` (its words are shell-quoted here); `runs_dir` must be on a filesystem every
    /// node sees.
    pub fn slurm_script(&self, command: &[String], shards: usize, runs_dir: &str) -> String {
        let command = command
            .iter()
            .map(|w| shell_quote(w))
            .collect::<Vec<_>>()
            .join(" ");
        let runs_dir = shell_quote(runs_dir);
        let levels = self.levels();
        let mut s = String::from(
            "#!/usr/bin/env bash\n\
             # Written by `--plan --emit slurm`: one job array per level of the run graph, each\n\
             # after the previous; every task trains the runs of its shard whose teachers are\n\
             # stored; the last job loads every run and writes the results. Submit with\n\
             # `bash <this file>` on the cluster's login node.\n\
             set -euo pipefail\n",
        );
        s.push_str(&format!("RUNS_DIR={runs_dir}\n"));
        s.push_str(&format!("SHARDS={shards}\n"));
        s.push_str(&format!("COMMAND=({command})\n"));
        s.push_str("dependency=()\n");
        for (l, runs) in levels.iter().enumerate() {
            s.push_str(&format!("\n# level {l}: {} run(s)\n", runs.len()));
            for r in runs {
                s.push_str(&format!(
                    "#   run {}  {}\n",
                    r.key,
                    r.label.replace('\n', " ")
                ));
            }
            s.push_str(&format!(
                "job=$(sbatch --parsable --job-name=kd-level-{l} --array=1-\"$SHARDS\" \
                 \"${{dependency[@]}}\" --wrap=\"$(printf '%q ' \"${{COMMAND[@]}}\") \
                 --runs-dir $(printf '%q' \"$RUNS_DIR\") --shard \\${{SLURM_ARRAY_TASK_ID}}/$SHARDS\")\n"
            ));
            s.push_str("dependency=(--dependency=afterok:\"$job\")\n");
        }
        s.push_str(
            "\n# results: every run is stored now\n\
             sbatch --job-name=kd-results \"${dependency[@]}\" \
             --wrap=\"$(printf '%q ' \"${COMMAND[@]}\") --runs-dir $(printf '%q' \"$RUNS_DIR\")\"\n",
        );
        s
    }
}

/// `word` quoted for a POSIX shell (unchanged when it needs no quoting).
fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(key: &str, teachers: &[&str], stored: bool) -> PlannedRun {
        PlannedRun {
            key: key.into(),
            label: format!("run {key}"),
            teachers: teachers.iter().map(|t| t.to_string()).collect(),
            stored,
            diverged: false,
            samples: 10,
            params: 10,
        }
    }

    #[test]
    fn shards_parse_and_split_keys_among_themselves() {
        assert_eq!(
            "2/4".parse::<Shard>().unwrap(),
            Shard { index: 2, count: 4 }
        );
        for bad in ["0/4", "5/4", "2", "a/b", "1/0", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        let keys: Vec<String> = (0..400).map(|i| format!("{:016x}", i * 7919)).collect();
        let shards: Vec<Shard> = (1..=4).map(|index| Shard { index, count: 4 }).collect();
        for key in &keys {
            // Exactly one owner.
            assert_eq!(shards.iter().filter(|s| s.owns(key)).count(), 1, "{key}");
        }
        for s in &shards {
            let owned = keys.iter().filter(|k| s.owns(k)).count();
            assert!((60..=140).contains(&owned), "shard {s} owns {owned} of 400");
        }
    }

    #[test]
    fn levels_follow_the_teachers_and_skip_stored_runs() {
        // t (stored) -> a -> b; c alone; d <- a and c.
        let plan = Plan {
            runs: vec![
                run("t", &[], true),
                run("a", &["t"], false),
                run("c", &[], false),
                run("b", &["a"], false),
                run("d", &["a", "c"], false),
            ],
        };
        let keys = |level: &[&PlannedRun]| level.iter().map(|r| r.key.clone()).collect::<Vec<_>>();
        let levels = plan.levels();
        assert_eq!(levels.len(), 2);
        assert_eq!(keys(&levels[0]), ["a", "c"]);
        assert_eq!(keys(&levels[1]), ["b", "d"]);
    }

    #[test]
    fn the_slurm_script_is_valid_bash_and_names_every_pending_run_once() {
        let plan = Plan {
            runs: vec![
                run("t", &[], true),
                run("a", &["t"], false),
                run("b", &["a"], false),
            ],
        };
        let command = vec![
            "/opt/kd/repro-takd".to_string(),
            "--profile".into(),
            "paper".into(),
            "--out".into(),
            "results/it's here".into(),
        ];
        let script = plan.slurm_script(&command, 3, "/shared/runs");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("submit.sh");
        std::fs::write(&path, &script).unwrap();
        let check = std::process::Command::new("bash")
            .arg("-n")
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "{}\n{script}",
            String::from_utf8_lossy(&check.stderr)
        );
        let named: Vec<&str> = script
            .lines()
            .filter_map(|l| l.strip_prefix("#   run "))
            .map(|l| l.split_whitespace().next().unwrap())
            .collect();
        assert_eq!(named, ["a", "b"]);
        assert_eq!(script.matches("sbatch --parsable").count(), 2, "{script}");
        assert!(script.contains("--array=1-\"$SHARDS\""));
        assert!(script.contains("SHARDS=3"));
        assert!(script.contains(r"'results/it'\''s here'"), "{script}");
    }
}
