//! What is known of Heo, Lee, Yun & Choi (AAAI 2019), *Knowledge Distillation with Adversarial
//! Samples Supporting Decision Boundary* (arXiv:1805.05532), and from where. The paper's text
//! could not be read from this project's machines; the recipe is the official code's
//! (`bhheo/BSS_distillation`, read in full), the numbers are the comparison row as the
//! teacher-assistant paper (Mirzadeh et al. 2020) quotes it.

pub const CITATION: &str = "Heo, Lee, Yun & Choi (2019), *Knowledge Distillation with \
    Adversarial Samples Supporting Decision Boundary* (AAAI 2019, arXiv:1805.05532)";

/// What could and could not be settled, and the sources (the summary prints it).
pub const SOURCES: &str = "The paper's text could not be read here (only its abstract). The \
    recipe follows the official code (bhheo/BSS_distillation, train_BSS_distillation.py and \
    attacks/attack_BSS.py): base samples correct for both nets, the 64 with the largest \
    teacher-student disagreement; targets drawn from the teacher's softmax over its non-top \
    classes; up to 10 steps x <- x + 0.3 (z_b - z_k + 1e-4) g / ||g|| on the teacher's logits, \
    stopping when the teacher's class changes, pixels clamped to +-2.5; loss CE + a(e) KD(x) + \
    b(e) KD(x_bss) at T = 3 without T^2, a(e) = 1 + 3 (1 - e/E), b(e) = max(2 (1 - 4e/3E), 0); \
    80 epochs of SGD (momentum 0.9, weight decay 1e-4, lr 0.1, 0.01 from E/2, 0.001 from 3E/4, \
    batch 256), ResNet26 teacher and ResNet8 student with zero-padding shortcuts. Deviations: \
    the official code re-creates its optimizer (resetting momentum) at each rate change, ours \
    keeps the momentum; 'KD' here is the same loss without the BSS term (b = 0), which isolates \
    the boundary samples' effect. The paper's numbers (CIFAR-10, ResNet26 teacher, 80 epochs) \
    are those the teacher-assistant paper quotes; ours are on another data set, so only the \
    gain of BSS over KD is compared. The comparison's methods follow their own papers where \
    those were read and the common reimplementations (torchdistill, RepDistiller) where not: \
    FitNets is stage-wise (the hint alone, then KD; Yim et al. describe their FitNet baseline's \
    second stage as T 3 with the KD weight falling from 4 to 1, which is the table's KD), with a \
    plain 1x1 regressor (torchdistill adds BatchNorm and ReLU) and the mean squared error; FSP \
    uses Yim et al.'s squared distance with one lambda for every pair, across the stages' \
    downsampling by max pooling as torchdistill does, then the labels alone; the paper's \
    first-stage rates (0.001 for FSP, 0.0001 for FitNets, for tens of thousands of iterations) \
    do not fit a short schedule, so the first stages use the students' recipe for half their \
    epochs and FSP's lambda (0.01) makes lambda x starting rate the paper's 0.001 (weight decay \
    is not scaled with it, and the rate falls x10 at 1/2 and 3/4 of the stage as in every run). MUTUAL follows the \
    issue's reading of the teacher-assistant paper (40 epochs of initialisation, then 80 mutual \
    epochs; not confirmed in any source read here): two nets trained on the labels for half the \
    epochs, then deep mutual learning, both stepped at once. TAKD is trained here, with this \
    teacher and recipe and the table's KD at each step; repro-takd's resnet26 runs use that \
    paper's own recipe and a teacher per seed, so they would put another teacher into the row.";

/// The paper's CIFAR-10 top-1 accuracy (%) of a student depth, as Mirzadeh et al. (2020) quote
/// the BSS paper's comparison (teacher ResNet26, 80 epochs).
#[derive(Debug, Clone, Copy)]
pub struct PaperRow {
    pub depth: usize,
    pub baseline: f64,
    pub kd: f64,
    pub fitnet: f64,
    pub attention: f64,
    pub fsp: f64,
    pub bss: f64,
    /// Added by the teacher-assistant paper.
    pub mutual: f64,
    pub takd: f64,
}

pub const ROWS: [PaperRow; 2] = [
    PaperRow {
        depth: 8,
        baseline: 86.02,
        kd: 86.66,
        fitnet: 86.73,
        attention: 86.86,
        fsp: 87.07,
        bss: 87.32,
        mutual: 87.71,
        takd: 88.01,
    },
    PaperRow {
        depth: 14,
        baseline: 89.11,
        kd: 89.75,
        fitnet: 89.72,
        attention: 89.84,
        fsp: 89.92,
        bss: 90.34,
        mutual: 90.54,
        takd: 91.23,
    },
];

/// The paper's row for a student depth, if it has one.
pub fn row(depth: usize) -> Option<PaperRow> {
    ROWS.iter().copied().find(|r| r.depth == depth)
}
