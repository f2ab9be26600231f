//! Diagnostics of the boundary supporting samples: the official attack run on the teacher
//! against the base samples of a few training batches (chosen with the seed-1 KD student, as
//! training would choose them), and what it did to each: moves, whether the teacher's class
//! changed (and to the target), the distance moved, the teacher's margin `z_b - z_k` before
//! and after. A picture shows a few base samples above their boundary samples.

use kd_core::Result;
use kd_core::data::batch::images_tensor;
use kd_core::methods::boundary::{draw_targets, select_base_samples};
use kd_core::models::GradientNet;
use kd_core::report::chart::bar_chart;
use kd_core::report::picture::image_grid_png;
use kd_core::report::summary::Section;
use kd_core::report::{MeanStd, Table};
use kd_core::rng::stream_rng;
use kd_core::tensors::{argmax, floats, select_samples};

use crate::context::{Context, Student};

pub const NAME: &str = "attack";

/// Base samples shown in the picture.
const PICTURED: usize = 8;

const COLUMNS: [&str; 10] = [
    "batch",
    "image",
    "start_class",
    "target",
    "moves",
    "crossed",
    "reached_target",
    "distance",
    "margin_before",
    "margin_after",
];

pub fn run(ctx: &Context) -> Result<()> {
    let s = &ctx.settings;
    let depth = s.student_depths[0];
    let teacher = ctx.teacher()?;
    let student = ctx.student(depth, Student::Kd, ctx.seeds[0], None)?;
    if ctx.trainer.plan().is_some() {
        // Planning records the runs; the models are stand-ins, nothing to attack.
        return Ok(());
    }
    let device = ctx.trainer.device.clone();
    let norm = ctx.info.normalize();
    let probe = GradientNet::new(&teacher.model, &device);
    let attack = &s.bss.attack;
    let train = &ctx.splits.train;
    let classes = ctx.splits.num_classes();
    let mut rng = stream_rng(ctx.seeds[0], "attack-diagnostics", 0);
    let mut table = Table::new(&COLUMNS);
    let mut pictured = (Vec::new(), Vec::new());
    for batch in 0..s.attack_batches {
        let start = batch * s.batch_size;
        let end = (start + s.batch_size).min(train.len());
        if start >= end {
            break;
        }
        let x = images_tensor(train, start..end, Some(&norm), &device);
        let t = floats(teacher.model.logits(x.clone()));
        let st = floats(student.model.logits(x.clone()));
        let labels: Vec<usize> = train.labels[start..end]
            .iter()
            .map(|&y| y as usize)
            .collect();
        let chosen = select_base_samples(&t, &st, &labels, classes, s.bss.attack_size);
        if chosen.is_empty() {
            continue;
        }
        let rows: Vec<f32> = chosen
            .iter()
            .flat_map(|&i| t[i * classes..(i + 1) * classes].iter().copied())
            .collect();
        let targets = draw_targets(&rows, classes, &mut rng);
        let base = select_samples(x, &chosen);
        let outcome = attack.run(&probe, base.clone(), &targets);
        let after = floats(teacher.model.logits(outcome.images.clone()));
        let (before_px, after_px) = (floats(base), floats(outcome.images));
        let d = before_px.len() / chosen.len();
        for (k, &i) in chosen.iter().enumerate() {
            let (b, target) = (outcome.start_class[k], targets[k]);
            let z = &after[k * classes..(k + 1) * classes];
            let z0 = &rows[k * classes..(k + 1) * classes];
            let class_after = argmax(z);
            let distance = before_px[k * d..(k + 1) * d]
                .iter()
                .zip(&after_px[k * d..(k + 1) * d])
                .map(|(a, b)| ((a - b) as f64).powi(2))
                .sum::<f64>()
                .sqrt();
            table.push(vec![
                batch.to_string(),
                (start + i).to_string(),
                b.to_string(),
                target.to_string(),
                outcome.moves[k].to_string(),
                u8::from(class_after != b).to_string(),
                u8::from(class_after == target).to_string(),
                format!("{distance:.4}"),
                format!("{:.4}", z0[b] - z0[target]),
                format!("{:.4}", z[b] - z[target]),
            ]);
            if pictured.0.len() < PICTURED {
                let shown = |px: &[f32]| denormalize(px, &norm.mean, &norm.std);
                pictured.0.push(shown(&before_px[k * d..(k + 1) * d]));
                pictured.1.push(shown(&after_px[k * d..(k + 1) * d]));
            }
        }
    }
    table.write(&ctx.out.join(format!("{NAME}.csv")))?;
    write_section(ctx, &table, pictured)
}

fn write_section(
    ctx: &Context,
    table: &Table,
    pictured: (Vec<Vec<f32>>, Vec<Vec<f32>>),
) -> Result<()> {
    let s = &ctx.settings;
    let n = table.rows.len();
    let mut section = Section::new(NAME, "The boundary supporting samples");
    if n == 0 {
        section.text("No base sample (no image both nets classified correctly) was found.");
        return section.write(&ctx.out);
    }
    let column = |name: &str| table.numbers_where(name, &[]);
    let share =
        |name: &str| -> Result<f64> { Ok(100.0 * column(name)?.iter().sum::<f64>() / n as f64) };
    let moves = column("moves")?;
    let a = &s.bss.attack;
    section.text(&format!(
        "The attack (at most {} moves of step size {}, pixels clamped to ±{}) on the ResNet{} \
         teacher, from the base samples of {} training batches of {} (the images both the \
         teacher and the seed-{} ResNet{} KD student classify correctly, at most {} per batch, \
         the most disputed first): {n} samples. The teacher's class changed for {:.1} % of \
         them, to the drawn target for {:.1} %; they moved {} times on average (mean ± std), an \
         L2 distance of {} in normalised pixel units; the teacher's margin z_b - z_k went from \
         {} to {}.",
        a.steps,
        a.step_size,
        a.clamp.map_or("∞".to_string(), |c| c.to_string()),
        s.teacher_depth,
        s.attack_batches,
        s.batch_size,
        ctx.seeds[0],
        s.student_depths[0],
        s.bss.attack_size,
        share("crossed")?,
        share("reached_target")?,
        MeanStd::of(&moves).fmt(2),
        MeanStd::of(&column("distance")?).fmt(2),
        MeanStd::of(&column("margin_before")?).fmt(2),
        MeanStd::of(&column("margin_after")?).fmt(2),
    ));
    let bars: Vec<(String, MeanStd)> = (0..=a.steps)
        .map(|k| {
            let count = moves.iter().filter(|&&m| m as usize == k).count() as f64;
            (k.to_string(), MeanStd::of(&[count]))
        })
        .collect();
    bar_chart(
        &ctx.out.join(format!("{NAME}.svg")),
        "Moves each base sample made before the teacher's class changed (or the steps ran out)",
        "samples",
        &bars,
    )?;
    let (before, after) = pictured;
    let count = before.len();
    let mut grid = before;
    grid.extend(after);
    image_grid_png(
        &ctx.out.join("samples.png"),
        &grid,
        ctx.splits.input_shape(),
        count,
        3,
    )?;
    section.text(
        "`attack.svg`: the histogram of moves; `samples.png`: the first base samples (top row) \
         and their boundary supporting samples (bottom row).",
    );
    section.write(&ctx.out)
}

/// Pixels back in [0, 1] for a picture: `x * std + mean` per channel.
fn denormalize(px: &[f32], mean: &[f32], std: &[f32]) -> Vec<f32> {
    let plane = px.len() / mean.len();
    px.iter()
        .enumerate()
        .map(|(k, &v)| v * std[k / plane] + mean[k / plane])
        .collect()
}
