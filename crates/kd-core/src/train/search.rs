//! Choosing hyperparameters on the validation split, never on test: a fixed budget of trials
//! drawn from a grid (deterministic from a seed, so a rerun asks for the same runs and finds
//! them in the store), and the pick of the trial whose final epoch made the fewest validation
//! errors.

use rand::seq::SliceRandom;

use crate::rng::stream_rng;
use crate::train::TrainedRun;

/// `budget` distinct points of `grid`, drawn uniformly with seed `seed`, in grid order (all of
/// them when the budget covers the grid).
pub fn sample_grid<T: Clone>(grid: &[T], budget: usize, seed: u64) -> Vec<T> {
    let mut picked: Vec<usize> = (0..grid.len()).collect();
    picked.shuffle(&mut stream_rng(seed, "hyperparameter-search", 0));
    picked.truncate(budget);
    picked.sort_unstable();
    picked.into_iter().map(|i| grid[i].clone()).collect()
}

/// The cross product of two axes, `a`-major.
pub fn grid2<A: Clone, B: Clone>(a: &[A], b: &[B]) -> Vec<(A, B)> {
    a.iter()
        .flat_map(|x| b.iter().map(move |y| (x.clone(), y.clone())))
        .collect()
}

/// The index of the run whose final epoch made the fewest validation errors (the first on
/// ties), or `None` for no runs.
pub fn fewest_validation_errors(runs: &[TrainedRun]) -> Option<usize> {
    runs.iter()
        .enumerate()
        .min_by_key(|(i, r)| (r.final_epoch().val_errors, *i))
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_is_distinct_reproducible_and_in_grid_order() {
        let lambdas: Vec<u32> = (1..=20).collect();
        let temperatures = [1u32, 2, 5, 10, 15, 20];
        let grid = grid2(&lambdas, &temperatures);
        assert_eq!(grid.len(), 120);
        assert_eq!(grid[0], (1, 1));
        assert_eq!(grid[7], (2, 2));
        let a = sample_grid(&grid, 8, 3);
        assert_eq!(
            a,
            sample_grid(&grid, 8, 3),
            "the same seed, the same trials"
        );
        assert_ne!(a, sample_grid(&grid, 8, 4), "another seed, other trials");
        assert_eq!(a.len(), 8);
        let positions: Vec<usize> = a
            .iter()
            .map(|p| grid.iter().position(|g| g == p).unwrap())
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
        assert_eq!(
            sample_grid(&grid, 500, 3),
            grid,
            "a budget over the grid takes all"
        );
        assert!(sample_grid(&grid, 0, 3).is_empty());
    }
}
