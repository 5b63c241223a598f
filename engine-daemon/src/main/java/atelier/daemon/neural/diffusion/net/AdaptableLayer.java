package atelier.daemon.neural.diffusion.net;

import atelier.daemon.neural.diffusion.checkpoint.LayerDelta;
import java.util.List;

/** A layer LoRAs can change (linear layers and convolutions): it runs its LowRankDeltas beside its own weights. */
public abstract class AdaptableLayer extends NetworkBlock {

    private volatile List<LayerDelta> deltas = List.of();

    protected AdaptableLayer(String key) {
        super(key);
    }

    /** The LoRA changes this layer runs with from now on (none: the base weights alone). */
    public void adapt(List<LayerDelta> changes) {
        deltas = List.copyOf(changes);
    }

    protected List<LayerDelta> deltas() {
        return deltas;
    }
}
