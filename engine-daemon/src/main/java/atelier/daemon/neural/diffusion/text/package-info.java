/**
 * Prompts to conditioning: the CLIP BPE tokenizer (bundled merges file or the artist's
 * tokenizer files) and the prompt encoder that runs prompts through it and the text encoder,
 * saying what a long prompt lost. May use {@code checkpoint} and {@code net}.
 */
package atelier.daemon.neural.diffusion.text;
