/**
 * Editing on one loaded SD 1.5 model: {@code Sd15Model} (the three networks, LoRAs per
 * request), {@code InpaintPipeline} (inpainting UNet or latent-mask blending, colour-matched
 * paste), {@code ColorizePipeline} (ControlNet on the line art, flats as the start picture),
 * and the glue that lets the sampler drive the UNet. May use every diffusion part below it,
 * {@code classic} (line-art reading), {@code image}, {@code jobs}.
 */
package atelier.daemon.neural.diffusion.pipeline;
