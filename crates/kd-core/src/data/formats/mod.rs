//! On-disk dataset formats: each reads the official files of its datasets into [`ImageSet`]s
//! (CHW bytes) and rejects truncated, corrupt or mismatched files with the file name and the fix.
//!
//! - `idx`: MNIST-style IDX files (MNIST, Fashion-MNIST and the bundled subsets);
//! - `cifar`: the binary version of CIFAR-10 and CIFAR-100;
//! - `svhn`: SVHN's cropped digits, MATLAB `.mat` files.
//!
//! [`ImageSet`]: crate::data::ImageSet

pub mod cifar;
pub mod idx;
pub mod svhn;
