package atelier.bridge.client;

import atelier.bridge.thrift.EditRequest;
import atelier.bridge.thrift.EditResult;
import atelier.bridge.thrift.Layer;
import atelier.bridge.thrift.Operation;
import atelier.bridge.thrift.Picture;
import atelier.bridge.thrift.PixelFormat;
import atelier.bridge.thrift.Rect;
import atelier.bridge.thrift.RegionQuery;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import javax.imageio.ImageIO;

/**
 * Sends a remote daemon only the part of the picture it will look at: asks it for the context
 * region of the request (contextRegion), crops the image and its masks to it, and puts the
 * layers that come back at the crop's offset on the whole canvas. On a home network a
 * 4000x3000 picture is 48 MB raw; a selection's neighbourhood is usually a small part of it.
 * Pictures are cropped in the format they came in (raw RGBA8 and GRAY8 by rows, PNG decoded,
 * cut and written again, bit depth kept).
 */
public final class ContextCrop {

    /** What is sent and where it sits on the whole canvas; {@code region} null means the request goes whole. */
    public record Plan(EditRequest request, Rect region, int canvasWidth, int canvasHeight) {
        public boolean cropped() {
            return region != null;
        }
    }

    private ContextCrop() {
    }

    /** The request to send: cropped when the daemon looks at less than the whole canvas. */
    public static Plan plan(AtelierClient client, EditRequest request) throws org.apache.thrift.TException, IOException {
        Picture image = request.getImage();
        if (image == null || request.isWholeCanvas() || request.getOperation() == Operation.OUTPAINT
                || request.getOperation() == Operation.COLORIZE) {
            return new Plan(request, null, 0, 0);
        }
        Pixels whole = Pixels.of(image);
        RegionQuery query = new RegionQuery(request.getOperation(), whole.width(), whole.height())
                .setSampleFrom(request.isSetSampleFrom());
        if (request.isSetEngine()) {
            query.setEngine(request.getEngine());
        }
        Pixels mask = request.isSetMask() ? Pixels.of(request.getMask()) : null;
        if (mask != null) {
            Rect selected = mask.selectedBounds();
            if (selected == null) {
                return new Plan(request, null, 0, 0); // an empty selection: let the daemon say so
            }
            query.setSelection(selected);
        }
        Rect region = client.contextRegion(query);
        if (region.getX() == 0 && region.getY() == 0 && region.getWidth() == whole.width() && region.getHeight() == whole.height()) {
            return new Plan(request, null, whole.width(), whole.height());
        }
        EditRequest sent = request.deepCopy();
        sent.setImage(whole.crop(region));
        if (mask != null) {
            sent.setMask(mask.crop(region)); // decoded once, for its bounds and its crop
        }
        if (request.isSetKeep()) {
            sent.setKeep(Pixels.of(request.getKeep()).crop(region));
        }
        if (request.isSetHints()) {
            sent.setHints(Pixels.of(request.getHints()).crop(region));
        }
        return new Plan(sent, region, whole.width(), whole.height());
    }

    /** The result on the whole canvas: layers moved by the crop's offset. */
    public static EditResult place(Plan plan, EditResult result) {
        if (!plan.cropped()) {
            return result;
        }
        EditResult placed = result.deepCopy();
        for (Layer layer : placed.getLayers()) {
            layer.setX(layer.getX() + plan.region().getX());
            layer.setY(layer.getY() + plan.region().getY());
        }
        placed.setCanvasWidth(plan.canvasWidth());
        placed.setCanvasHeight(plan.canvasHeight());
        placed.putToDetails("sent", plan.region().getWidth() + "x" + plan.region().getHeight() + "+" + plan.region().getX()
                + "+" + plan.region().getY() + " of " + plan.canvasWidth() + "x" + plan.canvasHeight());
        return placed;
    }

    /**
     * A whole-canvas PNG from the whole-canvas result of a cropped fill or inpaint: the original
     * with the crop's result over it at the crop's offset (outside the crop those operations leave
     * every pixel as it was). Written as 8-bit RGBA, as the daemon writes its results.
     */
    public static byte[] pasteIntoOriginal(byte[] originalPng, byte[] croppedResultPng, Rect region) throws IOException {
        BufferedImage original = ImageIO.read(new ByteArrayInputStream(originalPng));
        BufferedImage patch = ImageIO.read(new ByteArrayInputStream(croppedResultPng));
        if (original == null || patch == null) {
            throw new IOException("cannot read the picture to place the result in");
        }
        BufferedImage canvas = new BufferedImage(original.getWidth(), original.getHeight(), BufferedImage.TYPE_INT_ARGB);
        java.awt.Graphics2D g = canvas.createGraphics();
        try {
            g.setComposite(java.awt.AlphaComposite.Src);
            g.drawImage(original, 0, 0, null);
            g.drawImage(patch, region.getX(), region.getY(), null);
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(canvas, "png", out);
        return out.toByteArray();
    }

    /** A picture as the client holds it: raw rows, or a decoded PNG. */
    private record Pixels(Picture picture, BufferedImage png) {

        static Pixels of(Picture picture) throws IOException {
            if (picture.getFormat() == PixelFormat.PNG) {
                BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(picture.getData()));
                if (decoded == null) {
                    throw new IOException("a picture is not a PNG this client can read");
                }
                return new Pixels(picture, decoded);
            }
            return new Pixels(picture, null);
        }

        int width() {
            return png != null ? png.getWidth() : picture.getWidth();
        }

        int height() {
            return png != null ? png.getHeight() : picture.getHeight();
        }

        int channels() {
            return picture.getFormat() == PixelFormat.RGBA8 ? 4 : 1;
        }

        /** Bounds of every pixel that any reading of the mask could call selected (alpha, else any band above 0). */
        Rect selectedBounds() {
            int minX = Integer.MAX_VALUE;
            int minY = Integer.MAX_VALUE;
            int maxX = -1;
            int maxY = -1;
            int w = width();
            int h = height();
            Raster raster = png == null ? null : png.getRaster();
            int bands = raster == null ? channels() : raster.getNumBands();
            int firstBand = raster != null && png.getColorModel().hasAlpha() ? bands - 1 : 0;
            byte[] raw = raster == null ? picture.getData() : null;
            int[] row = new int[w * bands];
            for (int y = 0; y < h; y++) {
                if (raster != null) {
                    raster.getPixels(0, y, w, 1, row);
                }
                for (int x = 0; x < w; x++) {
                    boolean selected = false;
                    if (raw != null) {
                        // Raw masks: GRAY8 by its value, RGBA8 by its alpha.
                        selected = (raw[(y * w + x) * bands + bands - 1] & 0xFF) > 0;
                    } else {
                        for (int b = firstBand; b < bands && !selected; b++) {
                            selected = row[x * bands + b] > 0;
                        }
                    }
                    if (selected) {
                        minX = Math.min(minX, x);
                        maxX = Math.max(maxX, x);
                        minY = Math.min(minY, y);
                        maxY = y;
                    }
                }
            }
            return maxX < 0 ? null : new Rect(minX, minY, maxX - minX + 1, maxY - minY + 1);
        }

        Picture crop(Rect r) throws IOException {
            if (png != null) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                if (!ImageIO.write(png.getSubimage(r.getX(), r.getY(), r.getWidth(), r.getHeight()), "png", out)) {
                    throw new IOException("cannot write a cropped PNG");
                }
                return new Picture(PixelFormat.PNG, 0, 0, ByteBuffer.wrap(out.toByteArray()));
            }
            int c = channels();
            byte[] data = picture.getData();
            byte[] cut = new byte[r.getWidth() * r.getHeight() * c];
            for (int y = 0; y < r.getHeight(); y++) {
                System.arraycopy(data, ((r.getY() + y) * picture.getWidth() + r.getX()) * c, cut, y * r.getWidth() * c, r.getWidth() * c);
            }
            return new Picture(picture.getFormat(), r.getWidth(), r.getHeight(), ByteBuffer.wrap(cut));
        }
    }
}
