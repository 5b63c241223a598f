/**
 * Stable Diffusion 1.5 as the operations' model engines: {@code DiffusionInpaint} (inpaint,
 * outpaint, content-fill) and {@code DiffusionLineArtPainter} (colorize) adapt the
 * {@code pipeline}s to the {@code ops} interfaces; {@code LoadedCheckpoint} keeps one model in
 * memory, {@code InstalledAddOns} names the LoRA files. The parts below, lowest first:
 * {@code checkpoint} (files), {@code net} (networks), {@code text} (prompts), {@code sampling}
 * (schedulers), {@code pipeline} (editing on them).
 */
package atelier.daemon.neural.diffusion;
