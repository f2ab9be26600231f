//! The numbers of Hinton, Vinyals & Dean (2015), "Distilling the Knowledge in a Neural Network",
//! arXiv:1503.02531: section 3 (MNIST) and section 6 (soft targets as regularizers, speech,
//! Table 5). Test errors are out of MNIST's 10,000 test images.

pub const TEST_SET_SIZE: f64 = 10_000.0;

/// §3: 784-1200-1200-10 with dropout, weight constraints and jittered inputs.
pub const TEACHER_ERRORS: f64 = 67.0;
/// §3: 784-800-800-10, no regularization, hard labels.
pub const HARD_STUDENT_ERRORS: f64 = 146.0;
/// §3: the same student, soft targets of the teacher at T = 20.
pub const DISTILLED_STUDENT_ERRORS: f64 = 74.0;
pub const DISTILLATION_TEMPERATURE: f64 = 20.0;

/// §3 temperature study.
pub const SWEEP_TEMPERATURES: [f64; 9] = [1.0, 2.0, 2.5, 3.0, 4.0, 5.0, 8.0, 10.0, 20.0];
/// "When the distilled net had 300 or more units in each of its two hidden layers, all
/// temperatures above 8 gave fairly similar results."
pub const LARGE_STUDENT_ALIKE_ABOVE: f64 = 8.0;
/// "...radically reduced to 30 units per layer, temperatures in the range 2.5 to 4 worked
/// significantly better than higher or lower temperatures."
pub const SMALL_STUDENT_BEST_RANGE: (f64, f64) = (2.5, 4.0);

/// §3 omitted digit: transfer set without any 3s.
pub const OMITTED_ERRORS: f64 = 206.0;
pub const OMITTED_ERRORS_ON_3: f64 = 133.0;
pub const TEST_THREES: f64 = 1010.0;
pub const OMITTED_BIAS_SHIFT: f64 = 3.5;
pub const OMITTED_ERRORS_AFTER_SHIFT: f64 = 109.0;
pub const OMITTED_ERRORS_ON_3_AFTER_SHIFT: f64 = 14.0;

/// §3 transfer set of only 7s and 8s: test error rates (%).
pub const ONLY_7_8_ERROR_PERCENT: f64 = 47.3;
pub const ONLY_7_8_BIAS_SHIFT: f64 = -7.6;
pub const ONLY_7_8_ERROR_PERCENT_AFTER_SHIFT: f64 = 13.2;

/// §6, Table 5 (speech): frame accuracy on the test set (%).
pub const SPEECH_FULL_HARD_ACCURACY: f64 = 58.9;
pub const SPEECH_3PCT_HARD_ACCURACY: f64 = 44.5;
pub const SPEECH_3PCT_SOFT_ACCURACY: f64 = 57.0;
pub const SUBSET_FRACTION: f64 = 0.03;
