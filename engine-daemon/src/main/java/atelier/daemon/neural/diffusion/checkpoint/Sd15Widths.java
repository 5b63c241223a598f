package atelier.daemon.neural.diffusion.checkpoint;

/**
 * The sizes that shape an SD 1.5 checkpoint. SD 1.5 itself is {@link #SD15}; the tiny models
 * tests build keep every key and the structure but shrink the widths. Head and group-norm
 * counts do not show in the weights' shapes, only in how the networks split them, so a file
 * cannot tell them: a file in the model directory is run with SD 1.5's, a tiny test model
 * with its own (see CheckpointInspector.requireSd15).
 *
 * @param modelChannels UNet base width (320); levels are 1, 2, 4, 4 times it
 * @param unetInChannels 4 latent channels, or 9 for the inpainting UNet (latent + mask + masked-image latent)
 * @param vaeChannels VAE base width (128); levels are 1, 2, 4, 4 times it
 * @param textWidth CLIP text encoder width (768), also the UNet's cross-attention context width
 * @param textLayers CLIP transformer layers (12)
 * @param textVocab CLIP token vocabulary (49408)
 * @param textPositions longest prompt in tokens (77)
 * @param unetHeads UNet attention heads (8)
 * @param textHeads CLIP attention heads (12)
 * @param normGroups groups of every UNet and VAE GroupNorm (32)
 */
public record Sd15Widths(int modelChannels, int unetInChannels, int vaeChannels, int textWidth, int textLayers, int textVocab,
                         int textPositions, int unetHeads, int textHeads, int normGroups) {

    public static final Sd15Widths SD15 = new Sd15Widths(320, 4, 128, 768, 12, 49408, 77, 8, 12, 32);

    /** The latent's channels: what the UNet predicts and the VAE encodes to. */
    public static final int LATENT_CHANNELS = 4;

    public Sd15Widths {
        requireMultiple("model channels", modelChannels, normGroups, "the UNet's group norms have " + normGroups + " groups");
        requireMultiple("VAE channels", vaeChannels, normGroups, "the VAE's group norms have " + normGroups + " groups");
        requireMultiple("model channels", modelChannels, unetHeads, "each UNet attention head takes an equal share");
        requireMultiple("text width", textWidth, textHeads, "each text attention head takes an equal share");
        if (unetInChannels != 4 && unetInChannels != 9) {
            throw new IllegalArgumentException("the UNet takes 4 (text-to-image) or 9 (inpainting) input channels, not "
                    + unetInChannels);
        }
        if (textLayers < 1 || textVocab < 1 || textPositions < 1) {
            throw new IllegalArgumentException("the text encoder needs at least one layer, token and position");
        }
    }

    private static void requireMultiple(String what, int value, int divisor, String why) {
        if (value <= 0 || divisor <= 0 || value % divisor != 0) {
            throw new IllegalArgumentException(what + " " + value + " is not a positive multiple of " + divisor + ": " + why);
        }
    }

    /** The UNet's time-embedding width, four times the base width (1280). */
    public int timeEmbedding() {
        return 4 * modelChannels;
    }

    public Sd15Widths withUnetInChannels(int channels) {
        return new Sd15Widths(modelChannels, channels, vaeChannels, textWidth, textLayers, textVocab, textPositions, unetHeads,
                textHeads, normGroups);
    }

    /** These widths with another model's head and group counts (which no file shows). */
    public Sd15Widths withArchitectureOf(Sd15Widths other) {
        return new Sd15Widths(modelChannels, unetInChannels, vaeChannels, textWidth, textLayers, textVocab, textPositions,
                other.unetHeads, other.textHeads, other.normGroups);
    }

    /** Widths as read from shapes alone: one head and one group, which divide anything, until an architecture is chosen. */
    static Sd15Widths shapesOnly(int modelChannels, int unetInChannels, int vaeChannels, int textWidth, int textLayers,
                                 int textVocab, int textPositions) {
        return new Sd15Widths(modelChannels, unetInChannels, vaeChannels, textWidth, textLayers, textVocab, textPositions, 1, 1,
                1);
    }
}
