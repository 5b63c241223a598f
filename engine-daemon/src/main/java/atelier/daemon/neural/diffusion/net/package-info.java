/**
 * The networks as DJL blocks whose parameter names are the checkpoint's keys: CLIP text
 * encoder, UNet, VAE, ControlNet, with LoRA side paths. Loading is a walk over the keys. May use
 * {@code checkpoint} only.
 */
package atelier.daemon.neural.diffusion.net;
