package atelier.daemon.neural.diffusion.checkpoint;

/** What a .safetensors file in the model directory is, by the words capabilities() reports. */
public enum CheckpointKind {
    /** A whole SD 1.5 checkpoint: UNet with 4 input channels, VAE, CLIP text encoder. */
    SD15("sd15"),
    /** The same with the 9-channel inpainting UNet (latent, mask, masked-image latent). */
    SD15_INPAINTING("sd15-inpainting"),
    /** An SD 1.5 VAE alone, to replace a checkpoint's own. */
    VAE("vae"),
    /** An SD 1.5 ControlNet (line art, scribble, ...). */
    CONTROLNET("controlnet"),
    /** A kohya-format LoRA. */
    LORA("lora"),
    /** Anything else, or one of the above that is damaged or incomplete. */
    UNKNOWN("unknown");

    private final String label;

    CheckpointKind(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
