//! Every distillation path from plane10 to plane2 through a subset of the intermediate depths
//! (8 paths for {8, 6, 4}). Paths share their prefixes in the run graph, so each distinct chain
//! is trained once (16 runs for the 8 paths, not 26). The paper (CIFAR-100, plain): every path
//! with an assistant beats direct distillation, and the full chain is best.

use kd_core::Result;
use kd_core::report::chart::bar_chart;
use kd_core::report::summary::Section;
use kd_core::report::{Claim, MeanStd, Relation, Table};

use crate::claims::is_required;
use crate::context::Context;
use crate::paper::Family;

pub const NAME: &str = "paths";

/// Every path from `teacher` to `student` through a subset of `intermediates` (kept in
/// decreasing depth), the direct path first and the full chain last.
pub fn all_paths(teacher: usize, intermediates: &[usize], student: usize) -> Vec<Vec<usize>> {
    let mut middle: Vec<usize> = intermediates.to_vec();
    middle.sort_unstable_by(|a, b| b.cmp(a));
    let n = middle.len();
    let mut subsets: Vec<Vec<usize>> = (0u32..1 << n)
        .map(|mask| {
            (0..n)
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| middle[i])
                .collect()
        })
        .collect();
    subsets.sort_by_key(|s: &Vec<usize>| s.len());
    subsets
        .into_iter()
        .map(|s| {
            let mut path = vec![teacher];
            path.extend(s);
            path.push(student);
            path
        })
        .collect()
}

fn path_name(path: &[usize]) -> String {
    path.iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join("-")
}

pub fn run(ctx: &Context) -> Result<()> {
    let (student, _, teacher) = ctx.settings.plain;
    let paths = all_paths(teacher, &ctx.settings.path_intermediates, student);
    let mut table = Table::new(&["path", "assistants", "seed", "student_test_accuracy"]);
    for &seed in &ctx.seeds {
        for path in &paths {
            let chain = ctx.chain(Family::Plain, path, seed)?;
            let run = ctx.obtain(chain.last().expect("a path has a student"))?;
            table.push(vec![
                path_name(path),
                (path.len() - 2).to_string(),
                seed.to_string(),
                format!("{:.2}", run.accuracies().0),
            ]);
        }
    }
    table.write(&ctx.out.join(format!("{NAME}.csv")))?;

    let mut s = Section::new(NAME, "Distillation paths from plane10 to plane2");
    s.text(&format!(
        "Final-epoch test accuracy (%) of plane{student} at the end of each path, mean ± std \
         over {} seed(s).",
        ctx.seeds.len()
    ));
    let mut rows = Vec::new();
    let mut bars = Vec::new();
    for path in &paths {
        let name = path_name(path);
        let acc = MeanStd::of(&table.numbers_where("student_test_accuracy", &[("path", &name)])?);
        rows.push(vec![name.clone(), acc.fmt(2)]);
        bars.push((name, acc));
    }
    s.table(&["path", "student accuracy"], &rows);
    bar_chart(
        &ctx.out.join(format!("{NAME}.svg")),
        "Student accuracy at the end of each distillation path",
        "test accuracy (%)",
        &bars,
    )?;
    for claim in claims(&table)? {
        s.claim(claim);
    }
    s.write(&ctx.out)
}

pub fn claims(table: &Table) -> Result<Vec<Claim>> {
    let mut means: Vec<(String, usize, f64)> = Vec::new();
    for path in table.distinct("path")? {
        let f = [("path", path.as_str())];
        let acc = MeanStd::of(&table.numbers_where("student_test_accuracy", &f)?).mean;
        let assistants = path.matches('-').count().saturating_sub(1);
        means.push((path, assistants, acc));
    }
    let Some(direct) = means.iter().find(|m| m.1 == 0).cloned() else {
        return Ok(Vec::new());
    };
    let Some(full) = means.iter().max_by_key(|m| m.1).cloned() else {
        return Ok(Vec::new());
    };
    let worst_with_ta = means
        .iter()
        .filter(|m| m.1 > 0)
        .min_by(|a, b| a.2.total_cmp(&b.2))
        .cloned();
    let best_other = means
        .iter()
        .filter(|m| m.0 != full.0)
        .max_by(|a, b| a.2.total_cmp(&b.2))
        .cloned();
    let id = |s: &str| format!("{NAME}/{s}");
    let mut out = Vec::new();
    if let Some(worst) = worst_with_ta {
        out.push(Claim {
            id: id("every-path-with-an-assistant-beats-direct"),
            statement: "every path through at least one assistant beats direct distillation".into(),
            lhs_label: format!("worst path with an assistant, {} (%)", worst.0),
            lhs: worst.2,
            relation: Relation::Greater,
            rhs_label: format!("direct, {} (%)", direct.0),
            rhs: direct.2,
            required: is_required(&id("every-path-with-an-assistant-beats-direct")),
        });
    }
    if let Some(other) = best_other {
        out.push(Claim {
            id: id("the-full-chain-is-best"),
            statement: "the path through every assistant is the best".into(),
            lhs_label: format!("full chain, {} (%)", full.0),
            lhs: full.2,
            relation: Relation::GreaterOrEqual,
            rhs_label: format!("best other path, {} (%)", other.0),
            rhs: other.2,
            required: is_required(&id("the-full-chain-is-best")),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_paths_with_sixteen_distinct_chains() {
        let paths = all_paths(10, &[4, 8, 6], 2);
        let names: Vec<String> = paths.iter().map(|p| path_name(p)).collect();
        assert_eq!(names.len(), 8);
        assert_eq!(names[0], "10-2");
        assert_eq!(names[7], "10-8-6-4-2");
        assert!(names.contains(&"10-6-2".to_string()));
        // Distinct prefixes (each a run): the teacher, the intermediates' chains and students.
        let mut prefixes: Vec<Vec<usize>> = paths
            .iter()
            .flat_map(|p| (1..=p.len()).map(|k| p[..k].to_vec()).collect::<Vec<_>>())
            .collect();
        prefixes.sort();
        prefixes.dedup();
        assert_eq!(prefixes.len(), 16);
    }
}
