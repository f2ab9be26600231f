//! The paper's numbers: Mirzadeh, Farajtabar, Li, Levine, Matsukawa & Ghasemzadeh (2020),
//! *Improved Knowledge Distillation via Teacher Assistant*, AAAI 2020 (arXiv:1902.03393).
//! Top-1 test accuracy in %, as the paper's tables print them (transcribed in issue 9).

pub const CITATION: &str = "Mirzadeh, Farajtabar, Li, Levine, Matsukawa & Ghasemzadeh (2020), \
    *Improved Knowledge Distillation via Teacher Assistant* (AAAI 2020, arXiv:1902.03393)";

/// One row of Table 1: NOKD (student alone), BLKD (teacher -> student), TAKD (teacher ->
/// assistant -> student).
#[derive(Debug, Clone, Copy)]
pub struct Table1Row {
    pub family: Family,
    pub dataset: &'static str,
    pub nokd: f64,
    pub blkd: f64,
    pub takd: f64,
}

/// The two network families of the paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Plain CNNs `plane{2..10}`: S = 2, TA = 4, T = 10.
    Plain,
    /// CIFAR ResNets: S = 8, TA = 20 (14 gave the CIFAR-10 value), T = 110.
    ResNet,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::Plain => "plain",
            Family::ResNet => "resnet",
        }
    }
}

/// Table 1.
pub const TABLE_1: [Table1Row; 4] = [
    Table1Row {
        family: Family::Plain,
        dataset: "cifar10",
        nokd: 70.16,
        blkd: 72.57,
        takd: 73.51,
    },
    Table1Row {
        family: Family::Plain,
        dataset: "cifar100",
        nokd: 41.09,
        blkd: 44.57,
        takd: 44.92,
    },
    Table1Row {
        family: Family::ResNet,
        dataset: "cifar10",
        nokd: 88.52,
        blkd: 88.65,
        takd: 88.98,
    },
    Table1Row {
        family: Family::ResNet,
        dataset: "cifar100",
        nokd: 61.37,
        blkd: 61.41,
        takd: 61.82,
    },
];

/// (student, assistant, teacher) depths.
pub type Depths = (usize, usize, usize);

/// The paper's networks in Table 1.
pub const PLAIN_DEPTHS: Depths = (2, 4, 10);
pub const RESNET_DEPTHS: Depths = (8, 20, 110);

/// Table 2 (plain, S = 2, T = 10): TAKD accuracy for TA = 8, 6, 4.
pub const TABLE_2_TA: [usize; 3] = [8, 6, 4];
pub const TABLE_2_CIFAR10: [f64; 3] = [72.75, 73.15, 73.51];
pub const TABLE_2_CIFAR100: [f64; 3] = [44.28, 44.57, 44.92];

/// Table 3 (ResNet, S = 8, T = 110): TAKD accuracy for TA = 56, 32, 20, 14.
pub const TABLE_3_TA: [usize; 4] = [56, 32, 20, 14];
pub const TABLE_3_CIFAR10: [f64; 4] = [88.70, 88.73, 88.90, 88.98];
pub const TABLE_3_CIFAR100: [f64; 4] = [61.47, 61.55, 61.82, 61.5];

/// The comparison with other methods (CIFAR-10, teacher ResNet26, 80 epochs): (student, TA,
/// NOKD, BLKD, TAKD).
pub const RESNET26_TEACHER: usize = 26;
pub const RESNET26_EPOCHS: usize = 80;
pub const RESNET26_CIFAR10: [(usize, usize, f64, f64, f64); 2] =
    [(8, 14, 86.02, 86.66, 88.01), (14, 20, 89.11, 89.75, 91.23)];

/// The paper's Table 1 row for `family` on `dataset` (`cifar10` / `cifar100`), if it has one.
pub fn table_1(family: Family, dataset: &str) -> Option<Table1Row> {
    TABLE_1
        .iter()
        .copied()
        .find(|r| r.family == family && r.dataset == dataset)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The orderings the paper reports hold in its own numbers (a transcription check).
    #[test]
    fn the_paper_numbers_show_the_papers_orderings() {
        for r in TABLE_1 {
            assert!(r.nokd < r.blkd && r.blkd < r.takd, "{r:?}");
        }
        assert_eq!(
            TABLE_2_CIFAR10[2],
            table_1(Family::Plain, "cifar10").unwrap().takd
        );
        assert_eq!(
            TABLE_2_CIFAR100[2],
            table_1(Family::Plain, "cifar100").unwrap().takd
        );
        assert_eq!(
            TABLE_3_CIFAR100[2],
            table_1(Family::ResNet, "cifar100").unwrap().takd
        );
        assert_eq!(
            TABLE_3_CIFAR10[3],
            table_1(Family::ResNet, "cifar10").unwrap().takd
        );
    }
}
