/**
 * The files artists bring: safetensors read (memory-mapped, header checked) and written, the
 * SD 1.5 key layout as a function of its widths, what a file is told from its header alone
 * (checkpoint, inpainting variant, VAE, ControlNet, LoRA), and LoRA files mapped to layers.
 * Uses DJL for tensors and no other daemon package.
 */
package atelier.daemon.neural.diffusion.checkpoint;
