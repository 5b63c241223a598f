/**
 * Pixels and geometry: {@code Raster}, {@code Mask}, {@code Extent}, {@code Bounds}, the PNG
 * codec, compositing, and the one region policy ({@code ContextRegion},
 * {@code WorkingResolution}) every engine's crop goes through; {@code OpenCvNatives} moves
 * pixels in and out of OpenCV. Uses no other daemon package.
 */
package atelier.daemon.image;
