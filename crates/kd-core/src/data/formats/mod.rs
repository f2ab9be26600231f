//! On-disk dataset formats: each reads the official files of its datasets into [`ImageSet`]s
//! (CHW bytes) and rejects truncated, corrupt or mismatched files with the file name and the fix.
//!
//! [`ImageSet`]: crate::data::ImageSet

pub mod idx;
