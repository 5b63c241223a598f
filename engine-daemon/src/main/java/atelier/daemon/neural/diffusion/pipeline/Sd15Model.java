package atelier.daemon.neural.diffusion.pipeline;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import atelier.daemon.jobs.JobCancelledException;
import atelier.daemon.neural.diffusion.checkpoint.CheckpointInspector;
import atelier.daemon.neural.diffusion.checkpoint.LoraFile;
import atelier.daemon.neural.diffusion.checkpoint.Safetensors;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Layout;
import atelier.daemon.neural.diffusion.checkpoint.Sd15Widths;
import atelier.daemon.neural.diffusion.net.Autoencoder;
import atelier.daemon.neural.diffusion.net.CheckpointWeights;
import atelier.daemon.neural.diffusion.net.LoraAdapters;
import atelier.daemon.neural.diffusion.net.TextEncoder;
import atelier.daemon.neural.diffusion.net.TorchRuntime;
import atelier.daemon.neural.diffusion.net.UNet;
import atelier.daemon.neural.diffusion.sampling.Guidance;
import atelier.daemon.neural.diffusion.sampling.Latents;
import atelier.daemon.neural.diffusion.sampling.TensorLatents;
import atelier.daemon.neural.diffusion.text.ClipTokenizer;
import atelier.daemon.neural.diffusion.text.PromptEncoder;
import atelier.daemon.neural.diffusion.text.TokenizerFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One SD 1.5 checkpoint loaded for editing: text encoder, UNet (4 channels, or 9 for the
 * inpainting variant) and VAE, their weights read from the single .safetensors file on the
 * runtime's device, with the CLIP tokenizer from the files beside it. Loaded once and kept;
 * LoRAs are put on and taken off per request, so the base weights are never reloaded. One
 * request uses the model at a time ({@link #inRequest}): LoRAs are per-request state.
 */
public final class Sd15Model implements AutoCloseable {

    private final String name;
    private final TorchRuntime runtime;
    private final NDManager manager;
    private final Sd15Widths widths;
    private final PromptEncoder prompts;
    private final TextEncoder text;
    private final UNet unet;
    private final Autoencoder vae;
    private final ReentrantLock inUse = new ReentrantLock();
    private final java.util.Map<Path, atelier.daemon.neural.diffusion.net.ControlNet> controlNets = new java.util.HashMap<>();
    /** The standalone VAE last asked for, kept for the next request, its weights in their own manager. */
    private Path standaloneVaeFile;
    private Autoencoder standaloneVae;
    private NDManager standaloneVaeWeights;
    /**
     * What the calling thread's last request put on the model: each LoRA file and how many layers
     * it patched. Per thread because a request's work runs on the thread that asked for it.
     */
    private static final ThreadLocal<String> APPLIED_LORAS = ThreadLocal.withInitial(() -> "");

    /** TAESD's decoder for live previews, when MODELS/taesd/ holds it; null for the latent-to-RGB preview. */
    private volatile atelier.daemon.neural.diffusion.net.TinyAutoencoder.Decoder previewDecoder;

    /** The VAE of the request in progress: the checkpoint's own, or a standalone one it asked for. */
    private volatile Autoencoder requestVae;

    private Sd15Model(String name, TorchRuntime runtime, NDManager manager, Sd15Widths widths, ClipTokenizer tokenizer,
                      TextEncoder text, UNet unet, Autoencoder vae) {
        this.name = name;
        this.runtime = runtime;
        this.manager = manager;
        this.widths = widths;
        this.text = text;
        this.prompts = new PromptEncoder(tokenizer, text);
        this.unet = unet;
        this.vae = vae;
    }

    /**
     * @param tokenizerFolder CLIP tokenizer files to use, or null for the tokenizer inside Atelier (OpenAI's own)
     * @param architecture the head and group counts no file shows: Sd15Widths.SD15 for real checkpoints
     * @throws IOException naming the file and the first missing or mismatched key, or the tokenizer file at fault
     */
    public static Sd15Model load(String name, Path checkpoint, Path tokenizerFolder, Sd15Widths architecture,
                                 TorchRuntime runtime) throws IOException {
        ClipTokenizer tokenizer = tokenizerFolder == null ? ClipTokenizer.bundled() : TokenizerFiles.load(tokenizerFolder);
        Safetensors file = Safetensors.open(checkpoint);
        Sd15Widths widths = CheckpointInspector.requireSd15(file.header(), architecture);
        NDManager manager = runtime.newManager();
        try {
            TextEncoder text = TextEncoder.load(file, widths, runtime, manager);
            UNet unet = new UNet(widths);
            CheckpointWeights.load(unet, file, manager, runtime.device(), runtime.computeType());
            Autoencoder vae = new Autoencoder(Sd15Layout.VAE, widths);
            CheckpointWeights.load(vae, file, manager, runtime.device(), runtime.computeType());
            return new Sd15Model(name, runtime, manager, widths, tokenizer, text, unet, vae);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Full-size networks with random weights and no file, for benchmarks (time and memory do not
     * depend on the values); the tokenizer is the one inside Atelier.
     */
    public static Sd15Model withRandomWeights(String name, Sd15Widths widths, TorchRuntime runtime) throws IOException {
        NDManager manager = runtime.newManager();
        TextEncoder text = new TextEncoder(widths);
        UNet unet = new UNet(widths);
        Autoencoder vae = new Autoencoder(Sd15Layout.VAE, widths);
        for (Block network : List.of(text, unet, vae)) {
            CheckpointWeights.random(network, manager, runtime.device(), runtime.computeType());
        }
        return new Sd15Model(name, runtime, manager, widths, ClipTokenizer.bundled(), text, unet, vae);
    }

    public String name() {
        return name;
    }

    /** Whether this is the inpainting variant, whose UNet also takes the mask and the masked picture. */
    public boolean inpainting() {
        return widths.unetInChannels() == 9;
    }

    public Sd15Widths widths() {
        return widths;
    }

    public TorchRuntime runtime() {
        return runtime;
    }

    public PromptEncoder prompts() {
        return prompts;
    }

    public TextEncoder textEncoder() {
        return text;
    }

    public UNet unet() {
        return unet;
    }

    /** The VAE pictures go through now: the request's, else the checkpoint's. */
    public Autoencoder vae() {
        Autoencoder current = requestVae;
        return current != null ? current : vae;
    }

    /** One request's work on the model, given the request's manager. */
    @FunctionalInterface
    public interface RequestWork<T> {
        T run(NDManager request) throws JobCancelledException, IOException;
    }

    /**
     * Runs one request alone on the model: with these LoRAs on, its tensors in a manager that is
     * closed after (freeing them all, on success, error or cancel), and the LoRAs taken off before
     * that manager closes, since their factors live in it.
     */
    public <T> T inRequest(List<LoraUse> loras, RequestWork<T> work) throws JobCancelledException, IOException {
        return inRequest(loras, null, work);
    }

    /**
     * As {@link #inRequest(List, RequestWork)}, encoding and decoding pictures with the standalone
     * VAE in {@code vaeFile} (an SD 1.5 VAE, with or without the checkpoint's key prefix) instead
     * of the checkpoint's own; null for the own.
     */
    public <T> T inRequest(List<LoraUse> loras, Path vaeFile, RequestWork<T> work) throws JobCancelledException, IOException {
        APPLIED_LORAS.set("");
        inUse.lock();
        try (NDManager request = manager.newSubManager()) {
            requestVae = vaeFile == null ? vae : standaloneVae(vaeFile);
            useLoras(loras, request);
            try {
                return work.run(request);
            } finally {
                useLoras(List.of(), request);
                requestVae = vae;
            }
        } finally {
            inUse.unlock();
        }
    }

    /** The VAE in a standalone file, loaded once and kept until another is asked for. */
    private Autoencoder standaloneVae(Path file) throws IOException {
        if (!file.equals(standaloneVaeFile)) {
            if (standaloneVaeWeights != null) {
                standaloneVaeWeights.close();
                standaloneVae = null;
                standaloneVaeFile = null;
            }
            Safetensors weights = Safetensors.open(file);
            String prefix = weights.header().has(Sd15Layout.VAE + "encoder.conv_in.weight") ? Sd15Layout.VAE : "";
            NDManager owner = manager.newSubManager();
            try {
                Autoencoder loaded = new Autoencoder(prefix, widths);
                CheckpointWeights.load(loaded, weights, owner, runtime.device(), runtime.computeType());
                standaloneVae = loaded;
                standaloneVaeWeights = owner;
                standaloneVaeFile = file;
            } catch (IOException | RuntimeException e) {
                owner.close();
                throw e;
            }
        }
        return standaloneVae;
    }

    /**
     * The LoRAs the calling thread's last {@link #inRequest} applied, each with how many layers it
     * patched ("inky-style: 192 layers"); empty when it applied none. For the result's details.
     */
    public static String appliedLoras() {
        return APPLIED_LORAS.get();
    }

    /**
     * Shows previews through TAESD's decoder (madebyollin's tiny autoencoder: a real picture of
     * the step's estimate at full size, for about a second of CPU) instead of the latent-to-RGB
     * approximation. Loaded once, kept with the model.
     */
    public synchronized void usePreviewDecoder(Path taesdDecoder) throws IOException {
        var decoder = new atelier.daemon.neural.diffusion.net.TinyAutoencoder.Decoder();
        CheckpointWeights.load(decoder, Safetensors.open(taesdDecoder), manager, runtime.device(), runtime.computeType());
        previewDecoder = decoder;
    }

    /** How the sampler should draw its previews: through TAESD when it is loaded, else from the latents directly. */
    public atelier.daemon.neural.diffusion.sampling.Sampler.PreviewRenderer previewRenderer() {
        var decoder = previewDecoder;
        if (decoder == null) {
            return atelier.daemon.neural.diffusion.sampling.LatentPreview::toRgb;
        }
        return clean -> {
            try (NDManager scope = manager.newSubManager()) {
                ai.djl.ndarray.NDArray z = ((TensorLatents) clean).array().toType(runtime.computeType(), false);
                z.tempAttach(scope);
                ai.djl.ndarray.NDArray rgb = decoder.apply(z).clip(0, 1).mul(255).round()
                        .toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
                rgb.tempAttach(scope);
                int height = (int) rgb.getShape().get(2);
                int width = (int) rgb.getShape().get(3);
                float[] planes = rgb.toFloatArray();
                byte[] rgba = new byte[width * height * 4];
                int plane = width * height;
                for (int p = 0; p < plane; p++) {
                    rgba[p * 4] = (byte) planes[p];
                    rgba[p * 4 + 1] = (byte) planes[plane + p];
                    rgba[p * 4 + 2] = (byte) planes[2 * plane + p];
                    rgba[p * 4 + 3] = (byte) 255;
                }
                return atelier.daemon.image.Raster.wrap(new atelier.daemon.image.Extent(width, height), rgba);
            }
        };
    }

    /** The networks LoRAs change: the UNet and the text encoder. */
    public List<Block> adaptableNetworks() {
        return List.of(unet, text);
    }

    /** Puts these LoRAs on (replacing any), their factors in the request's manager; an empty list restores the base model. */
    private void useLoras(List<LoraUse> loras, NDManager manager) throws IOException {
        if (loras.isEmpty()) {
            LoraAdapters.detach(adaptableNetworks());
            return;
        }
        APPLIED_LORAS.set("");
        List<java.util.Map<String, atelier.daemon.neural.diffusion.checkpoint.LayerDelta>> changes = new java.util.ArrayList<>();
        List<String> applied = new java.util.ArrayList<>();
        for (LoraUse lora : loras) {
            changes.add(LoraFile.load(lora.file(), lora.weight(), widths, manager, runtime.computeType()));
            applied.add(lora.file().getFileName().toString().replaceFirst("\\.safetensors$", "") + ": "
                    + changes.get(changes.size() - 1).size() + " layers");
        }
        APPLIED_LORAS.set(String.join(", ", applied));
        LoraAdapters.attach(adaptableNetworks(), loras.get(0).file(), LoraAdapters.combined(changes));
    }

    /** A picture's planes (R, G, B in -1..1 at {@code size}) as latents at the UNet's variance (the VAE mean times 0.18215). */
    public TensorLatents encodePicture(NDManager request, float[] planes, atelier.daemon.image.Extent size) {
        ai.djl.ndarray.NDArray image = request.create(planes, new ai.djl.ndarray.types.Shape(1, 3, size.height(), size.width()))
                .toType(runtime.computeType(), false);
        return TensorLatents.of(encodeImage(image));
    }

    /** The VAE's latent mean of an image tensor (1, 3, H, W) in -1..1, scaled to the UNet's variance. */
    ai.djl.ndarray.NDArray encodeImage(ai.djl.ndarray.NDArray image) {
        Autoencoder.LatentDistribution latent = vae().encode(image);
        latent.logVar().close();
        return latent.mean().mul(Autoencoder.SCALE_FACTOR);
    }

    /** Latents back to a picture's planes, R, G, B in about -1..1. */
    public float[] decodePicture(Latents latents) {
        ai.djl.ndarray.NDArray z = ((TensorLatents) latents).array().div(Autoencoder.SCALE_FACTOR)
                .toType(runtime.computeType(), false);
        return vae().decode(z).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
    }

    /** Classifier-free guidance for a prompt against a negative one, and what CLIP had to cut from them. */
    public record PromptGuidance(Guidance<ai.djl.ndarray.NDArray> guidance, List<String> truncationNotices) {
    }

    public PromptGuidance guidance(NDManager request, String prompt, String negativePrompt, double scale) {
        return guidance(request, prompt, negativePrompt, scale, 1);
    }

    /**
     * With the prompt syntax artists use: emphasis ({@code (word:1.2)}), embeddings, prompts past
     * 75 tokens in 77-token chunks; read from the text encoder's last layer, or the one before
     * for {@code clipSkip} 2.
     */
    public PromptGuidance guidance(NDManager request, String prompt, String negativePrompt, double scale, int clipSkip) {
        PromptEncoder.Pair pair = prompts.encodePair(request, prompt, negativePrompt, clipSkip);
        return new PromptGuidance(new Guidance<>(pair.conditioning(), pair.unconditional(), scale), pair.notices());
    }

    /** The ControlNet in {@code file}, loaded for this model's UNet on first use and kept with the model. */
    public synchronized atelier.daemon.neural.diffusion.net.ControlNet controlNet(Path file) throws IOException {
        atelier.daemon.neural.diffusion.net.ControlNet loaded = controlNets.get(file);
        if (loaded == null) {
            loaded = atelier.daemon.neural.diffusion.net.ControlNet.load(Safetensors.open(file), widths, manager, runtime);
            controlNets.put(file, loaded);
        }
        return loaded;
    }

    /** A LoRA file and the weight to apply it at. */
    public record LoraUse(Path file, double weight) {
    }

    @Override
    public void close() {
        manager.close();
    }
}
