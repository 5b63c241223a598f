/**
 * The embedded engines, no model needed: PatchMatch and Telea fill, the border cut-out with
 * GrabCut and edge matting, line-art flats with gap closing and hint propagation, and the
 * image algorithms they are built from. Implements the {@code ops} engine interfaces; may use
 * {@code ops}, {@code image}, {@code jobs}.
 */
package atelier.daemon.classic;
