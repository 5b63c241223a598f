package atelier.daemon.image;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import javax.imageio.ImageIO;

/**
 * PNG in and out. Decoding reads the size from the header first and refuses a picture
 * over the pixel limit before a single pixel is allocated.
 */
public final class PngCodec {

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final int STRIPE_ROWS = 256;

    static {
        ImageIO.setUseCache(false);
    }

    private PngCodec() {
    }

    /** Why some bytes are not a usable PNG; the message is a sentence for a person. */
    public static final class BadPng extends Exception {
        public BadPng(String message) {
            super(message);
        }
    }

    /** The size a PNG's header announces, without decoding it. */
    public static Extent peekExtent(byte[] png) throws BadPng {
        if (png.length < 33) {
            throw new BadPng("is " + png.length + " bytes, too short to be a PNG");
        }
        for (int i = 0; i < SIGNATURE.length; i++) {
            if (png[i] != SIGNATURE[i]) {
                throw new BadPng("is not a PNG (wrong signature)");
            }
        }
        ByteBuffer header = ByteBuffer.wrap(png, 8, 25);
        int length = header.getInt();
        int type = header.getInt();
        if (length != 13 || type != 0x49484452) {
            throw new BadPng("is not a PNG (no IHDR chunk first)");
        }
        int width = header.getInt();
        int height = header.getInt();
        if (width <= 0 || height <= 0) {
            throw new BadPng("announces a size of " + Integer.toUnsignedString(width) + "x" + Integer.toUnsignedString(height));
        }
        return new Extent(width, height);
    }

    /** Decodes to RGBA, refusing more than maxPixels. */
    public static Raster decodeRgba(byte[] png, long maxPixels) throws BadPng {
        BufferedImage image = read(png, maxPixels);
        Raster out = Raster.blank(new Extent(image.getWidth(), image.getHeight()));
        byte[] rgba = out.rgba();
        if (isGrey(image)) {
            int[] grey = greySamples(image, 0);
            int[] alpha = image.getRaster().getNumBands() > 1 ? greySamples(image, 1) : null;
            for (int i = 0; i < grey.length; i++) {
                rgba[i * 4] = rgba[i * 4 + 1] = rgba[i * 4 + 2] = (byte) grey[i];
                rgba[i * 4 + 3] = (byte) (alpha == null ? 255 : alpha[i]);
            }
            return out;
        }
        forEachStripe(image, (argb, firstRow, rows) -> {
            int base = firstRow * image.getWidth() * 4;
            for (int i = 0; i < rows * image.getWidth(); i++) {
                int p = argb[i];
                int o = base + i * 4;
                rgba[o] = (byte) (p >>> 16);
                rgba[o + 1] = (byte) (p >>> 8);
                rgba[o + 2] = (byte) p;
                rgba[o + 3] = (byte) (p >>> 24);
            }
        });
        return out;
    }

    /** Decodes a mask: a grey PNG as it is, a PNG with alpha by its alpha, a colour PNG by its luminance. */
    public static Mask decodeMask(byte[] png, long maxPixels) throws BadPng {
        BufferedImage image = read(png, maxPixels);
        boolean alpha = image.getColorModel().hasAlpha();
        Mask out = Mask.empty(new Extent(image.getWidth(), image.getHeight()));
        byte[] values = out.values();
        if (isGrey(image)) {
            int[] samples = greySamples(image, alpha ? 1 : 0);
            for (int i = 0; i < samples.length; i++) {
                values[i] = (byte) samples[i];
            }
            return out;
        }
        forEachStripe(image, (argb, firstRow, rows) -> {
            int base = firstRow * image.getWidth();
            for (int i = 0; i < rows * image.getWidth(); i++) {
                int p = argb[i];
                int v = alpha ? p >>> 24
                        : (299 * ((p >>> 16) & 0xFF) + 587 * ((p >>> 8) & 0xFF) + 114 * (p & 0xFF) + 500) / 1000;
                values[base + i] = (byte) v;
            }
        });
        return out;
    }

    public static byte[] encode(Raster raster) {
        BufferedImage image = new BufferedImage(raster.width(), raster.height(), BufferedImage.TYPE_4BYTE_ABGR);
        byte[] abgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        byte[] rgba = raster.rgba();
        for (int i = 0; i < rgba.length; i += 4) {
            abgr[i] = rgba[i + 3];
            abgr[i + 1] = rgba[i + 2];
            abgr[i + 2] = rgba[i + 1];
            abgr[i + 3] = rgba[i];
        }
        return write(image);
    }

    public static byte[] encode(Mask mask) {
        BufferedImage image = new BufferedImage(mask.extent().width(), mask.extent().height(), BufferedImage.TYPE_BYTE_GRAY);
        byte[] grey = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        System.arraycopy(mask.values(), 0, grey, 0, grey.length);
        return write(image);
    }

    private static BufferedImage read(byte[] png, long maxPixels) throws BadPng {
        Extent announced = peekExtent(png);
        if (announced.pixels() > maxPixels) {
            throw new BadPng("is " + announced + " = " + announced.pixels() + " pixels, over the limit of " + maxPixels);
        }
        try {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
            if (image == null) {
                throw new BadPng("could not be decoded as a PNG");
            }
            return image;
        } catch (IOException | RuntimeException e) {
            throw new BadPng("could not be decoded (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                    + "): is the file truncated?");
        }
    }

    /**
     * Grey PNGs are decoded into a linear grey colour space, and getRGB would bend every
     * value through a gamma curve; their samples are read as they are stored instead.
     */
    private static boolean isGrey(BufferedImage image) {
        return image.getColorModel().getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY;
    }

    /** One band's samples scaled to 8 bits (16-bit PNGs included). */
    private static int[] greySamples(BufferedImage image, int band) {
        int bits = image.getColorModel().getComponentSize(band);
        int max = (1 << bits) - 1;
        int[] samples = image.getRaster().getSamples(0, 0, image.getWidth(), image.getHeight(), band, (int[]) null);
        if (bits != 8) {
            for (int i = 0; i < samples.length; i++) {
                samples[i] = (samples[i] * 255 + max / 2) / max;
            }
        }
        return samples;
    }

    private interface StripeConsumer {
        void accept(int[] argb, int firstRow, int rows);
    }

    /** Converts a stripe of rows at a time, so a large picture needs no second full-size int copy. */
    private static void forEachStripe(BufferedImage image, StripeConsumer consumer) {
        int width = image.getWidth();
        int[] argb = new int[width * Math.min(STRIPE_ROWS, image.getHeight())];
        for (int row = 0; row < image.getHeight(); row += STRIPE_ROWS) {
            int rows = Math.min(STRIPE_ROWS, image.getHeight() - row);
            image.getRGB(0, row, width, rows, argb, 0, width);
            consumer.accept(argb, row, rows);
        }
    }

    private static byte[] write(BufferedImage image) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(image, "png", out)) {
                throw new IllegalStateException("no PNG writer in this Java runtime");
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
