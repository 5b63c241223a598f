package atelier.daemon.server;

import atelier.bridge.thrift.EditResult;
import atelier.bridge.thrift.Layer;
import atelier.bridge.thrift.LayerRole;
import atelier.bridge.thrift.Operation;
import atelier.bridge.thrift.Picture;
import atelier.bridge.thrift.PixelFormat;
import atelier.daemon.image.PngCodec;
import atelier.daemon.image.Raster;
import atelier.daemon.ops.EditOutcome;
import atelier.daemon.ops.ResultLayer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** Turns what an operation made into the contract's result, in the format and framing the client asked. */
final class ResultEncoding {

    private ResultEncoding() {
    }

    static EditResult encode(String jobId, Operation operation, Raster original, EditOutcome outcome,
                             PixelFormat format, boolean wholeCanvas) {
        List<Layer> layers = new ArrayList<>();
        for (ResultLayer layer : outcome.layers()) {
            ResultLayer framed = wholeCanvas ? onWholeCanvas(original, outcome, layer) : layer;
            Layer encoded = new Layer(picture(framed.pixels(), format), framed.x(), framed.y(), framed.seed(), framed.role());
            if (layer.name() != null) {
                encoded.setName(layer.name());
            }
            layers.add(encoded);
        }
        return new EditResult(jobId, operation, layers, outcome.canvas().width(), outcome.canvas().height(),
                outcome.engine(), outcome.details());
    }

    /** A patch laid over the original on the result canvas; cut-outs and underlays already cover it. */
    private static ResultLayer onWholeCanvas(Raster original, EditOutcome outcome, ResultLayer layer) {
        boolean coversCanvas = layer.x() == 0 && layer.y() == 0 && layer.pixels().extent().equals(outcome.canvas());
        if (layer.role() != LayerRole.PATCH || coversCanvas) {
            return layer;
        }
        Raster canvas = Raster.blank(outcome.canvas());
        canvas.paste(original, outcome.originX(), outcome.originY());
        canvas.paste(layer.pixels(), layer.x(), layer.y());
        return new ResultLayer(canvas, 0, 0, layer.seed(), layer.role(), layer.name());
    }

    private static Picture picture(Raster raster, PixelFormat format) {
        if (format == PixelFormat.PNG) {
            return new Picture(PixelFormat.PNG, raster.width(), raster.height(), ByteBuffer.wrap(PngCodec.encode(raster)));
        }
        return new Picture(PixelFormat.RGBA8, raster.width(), raster.height(), ByteBuffer.wrap(raster.rgba()));
    }
}
