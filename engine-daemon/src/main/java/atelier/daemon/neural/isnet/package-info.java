/**
 * ISNet salient-object segmentation through DJL's OnnxRuntime engine, as a remove-background
 * engine: the model at 1024x1024, its mask refined at full size with a guided filter. May use
 * {@code ops}, {@code classic} (the matting algorithms), {@code image}, {@code jobs}.
 */
package atelier.daemon.neural.isnet;
