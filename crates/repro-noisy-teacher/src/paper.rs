//! What is known of Sau & Balasubramanian (2016), *Deep Model Compression: Distilling Knowledge
//! from Noisy Teachers* (arXiv:1610.09650), and from where. The paper's full text could not be
//! read from this project's machines (only its abstract is reachable), so its equations, grids,
//! architectures and table numbers are not transcribed here; the claims are its stated ones.

pub const CITATION: &str = "Sau & Balasubramanian (2016), *Deep Model Compression: Distilling \
    Knowledge from Noisy Teachers* (arXiv:1610.09650)";

/// What could and could not be settled, and the sources (the summary prints it).
pub const SOURCES: &str = "The paper's full text (arXiv:1610.09650v2) could not be read here: \
    only its abstract, which says the noise-based regulariser gives \"a healthy improvement\" on \
    CIFAR-10, SVHN and MNIST, \"with the best performance on the CIFAR-10 dataset\". Its tables' \
    numbers, sigma/alpha grids and architectures are therefore not shown. The first author's \
    M.Tech thesis abstract (IIT Hyderabad, 2016) reports +3.26 points on CIFAR-10 for a 3-layer \
    shallow student over its baseline and argues that a randomly perturbed teacher is \
    equivalent to several teachers. Secondary sources (reading notes and reviews, not the \
    paper) describe: logit regression normalised by the mini-batch size; Gaussian noise with \
    mean 0 and standard deviation sigma (one note says variance) on the teacher's logits, \
    multiplicatively, z (1 + xi); samples of a mini-batch perturbed with probability alpha; a \
    noisy-teacher vs noisy-student comparison (the teacher's noise helps more) and a comparison \
    with dropout. Our defaults follow them: multiplicative noise, sigma a standard deviation, \
    alpha per sample; the additive form and per-batch alpha are options (--noise-form, \
    --noise-unit). The architectures are the known third-party choices, not the paper's: for \
    MNIST (and Fashion-MNIST) a LeNet-5 teacher and a 784-800-800-10 MLP student, for SVHN and \
    CIFAR-10 a Network-in-Network teacher and a modified LeNet student.";

/// The thesis's CIFAR-10 gain (points of accuracy) of a 3-layer shallow student trained with
/// the noisy teacher over its baseline (not the paper's own table; no MNIST figure is known).
pub const THESIS_CIFAR10_GAIN: f64 = 3.26;
