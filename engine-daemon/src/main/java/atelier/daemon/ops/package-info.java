/**
 * One class per operation (content-fill, inpaint, outpaint, remove-background, colorize): it
 * validates the order, picks an engine, crops the context region, runs the engine and pastes
 * the result back inside the mask. Engines are seen only through the interfaces here
 * ({@code FillEngine}, {@code InpaintEngine}, {@code CutoutEngine}, {@code FlatsEngine},
 * {@code LineArtPainter}); the start-up wires the implementations in. May use {@code image}
 * and {@code jobs}.
 */
package atelier.daemon.ops;
