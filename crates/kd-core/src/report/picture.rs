//! Pictures of images: a grid of `[C, H, W]` images (grey or colour, values in [0, 1]) as one
//! PNG, each image scaled up by an integer factor, white gaps between them.

use std::path::Path;

use crate::error::{KdError, Result};
use crate::fsio::write_atomic;

const GAP: usize = 2;

/// Writes `images` (each `C*H*W` values, channel-major, in [0, 1]; values outside are clamped)
/// of `shape` `[C, H, W]` (C 1 or 3) as a grid of `cols` columns, each pixel a `scale` x
/// `scale` block.
pub fn image_grid_png(
    path: &Path,
    images: &[Vec<f32>],
    shape: [usize; 3],
    cols: usize,
    scale: usize,
) -> Result<()> {
    let [c, h, w] = shape;
    if !(c == 1 || c == 3) || images.is_empty() || cols == 0 || scale == 0 {
        return Err(KdError::Report(format!(
            "an image grid needs 1 or 3 channels, at least one image, columns and a scale \
             (got {c} channels, {} images, {cols} columns, scale {scale})",
            images.len()
        )));
    }
    if let Some(bad) = images.iter().position(|im| im.len() != c * h * w) {
        return Err(KdError::Report(format!(
            "image {bad} has {} values, not {c}x{h}x{w}",
            images[bad].len()
        )));
    }
    let rows = images.len().div_ceil(cols);
    let (cell_w, cell_h) = (w * scale + GAP, h * scale + GAP);
    let (width, height) = (cols * cell_w + GAP, rows * cell_h + GAP);
    let mut rgb = vec![255u8; width * height * 3];
    for (k, image) in images.iter().enumerate() {
        let (x0, y0) = (GAP + (k % cols) * cell_w, GAP + (k / cols) * cell_h);
        for y in 0..h * scale {
            for x in 0..w * scale {
                let pixel = (y / scale) * w + x / scale;
                let at = ((y0 + y) * width + x0 + x) * 3;
                for ch in 0..3 {
                    let v = image[(ch % c) * h * w + pixel];
                    rgb[at + ch] = (v.clamp(0.0, 1.0) * 255.0).round() as u8;
                }
            }
        }
    }
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, width as u32, height as u32);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let png_err = |e: png::EncodingError| KdError::Report(format!("png: {e}"));
        let mut writer = encoder.write_header().map_err(png_err)?;
        writer.write_image_data(&rgb).map_err(png_err)?;
    }
    write_atomic(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grid_decodes_to_the_images_scaled_with_gaps() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("grid.png");
        // Two 1x2 grey images: (0, 1) and (1, 0.5), scale 2, one column.
        let images = vec![vec![0.0, 1.0], vec![1.0, 0.5]];
        image_grid_png(&path, &images, [1, 1, 2], 1, 2).unwrap();
        let decoder =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        // Width: 2 gap + 2*2 pixels + 2 gap = 8; height: 2 + (2 + 2) * 2 = 10.
        assert_eq!((info.width, info.height), (8, 10));
        let at = |x: usize, y: usize| buf[(y * 8 + x) * 3];
        assert_eq!(at(0, 0), 255, "gap");
        assert_eq!(at(2, 2), 0, "image 0, pixel 0");
        assert_eq!(at(5, 3), 255, "image 0, pixel 1 (scaled)");
        assert_eq!(at(2, 6), 255, "image 1, pixel 0");
        assert_eq!(at(4, 7), 128, "image 1, pixel 1: 0.5");
        assert!(image_grid_png(&path, &[vec![0.0]], [2, 1, 1], 1, 1).is_err());
    }
}
