package atelier.daemon.neural.diffusion.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import atelier.daemon.image.Extent;
import atelier.daemon.image.Raster;
import atelier.daemon.neural.diffusion.ReferenceData;
import atelier.daemon.neural.diffusion.net.TorchRuntime;
import atelier.daemon.neural.diffusion.sampling.GaussianNoise;
import atelier.daemon.neural.diffusion.sampling.TensorLatents;
import org.junit.jupiter.api.Test;

/** Live previews through TAESD when it is installed: the step's estimate at the picture's size, not the latent's. */
class TaesdPreviewTest {

    @Test
    void withTaesdAPreviewIsAFullSizePictureAndWithoutItTheLatentSizedOne() throws Exception {
        TorchRuntime torch = TorchRuntime.cpu();
        try (Sd15Model model = Sd15Model.load("sd15-tiny", ReferenceData.file("sd15-tiny.safetensors"), null,
                ReferenceData.widths(), torch); NDManager m = torch.newManager()) {
            TensorLatents latents = TensorLatents.of(m.create(new GaussianNoise(9).next(4 * 8 * 12), new Shape(1, 4, 8, 12)));
            Raster rough = model.previewRenderer().render(latents);
            assertEquals(new Extent(12, 8), rough.extent());
            model.usePreviewDecoder(ReferenceData.file("taesd_decoder.safetensors"));
            Raster decoded = model.previewRenderer().render(latents);
            assertEquals(new Extent(96, 64), decoded.extent());
            int least = 255;
            int most = 0;
            for (int i = 0; i < decoded.rgba().length; i++) {
                if (i % 4 != 3) {
                    least = Math.min(least, decoded.rgba()[i] & 0xFF);
                    most = Math.max(most, decoded.rgba()[i] & 0xFF);
                }
            }
            assertNotEquals(least, most, "a picture, not a flat field");
        }
    }
}
