package atelier.daemon.neural.diffusion.net;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * What a ControlNet adds to the UNet (lllyasviel's cldm.ControlledUnetModel): one residual for
 * each of the 12 input blocks' outputs, added to that skip connection where the output blocks
 * take it, and one added to the middle block's output.
 *
 * @param inputs residuals for input blocks 0..11, each of its block's output shape
 * @param middle the residual for the middle block's output
 */
public record ControlResiduals(List<NDArray> inputs, NDArray middle) {

    public ControlResiduals {
        inputs = List.copyOf(inputs);
    }
}
