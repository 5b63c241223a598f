package atelier.daemon.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PngCodecTest {

    @Test
    void rgbaSurvivesARoundTripIncludingTransparency() throws Exception {
        Raster raster = Raster.blank(new Extent(33, 17));
        new SplittableRandom(5).nextBytes(raster.rgba());
        for (int i = 3; i < raster.rgba().length; i += 4) {
            raster.rgba()[i] = (byte) 255; // un-premultiplied colour under alpha 0 may not survive every writer
        }
        raster.rgba()[3] = 0;
        raster.rgba()[7] = (byte) 128;
        Raster back = PngCodec.decodeRgba(PngCodec.encode(raster), Long.MAX_VALUE);
        assertEquals(raster.extent(), back.extent());
        assertEquals(0, back.channel(0, 0, 3));
        assertEquals(128, back.channel(1, 0, 3));
        assertEquals(raster.channel(5, 5, 1), back.channel(5, 5, 1));
    }

    @Test
    void maskKeepsSoftValues() throws Exception {
        Mask mask = Mask.empty(new Extent(256, 1));
        for (int x = 0; x < 256; x++) {
            mask.set(x, 0, x);
        }
        Mask back = PngCodec.decodeMask(PngCodec.encode(mask), Long.MAX_VALUE);
        assertTrue(Arrays.equals(mask.values(), back.values()));
    }

    @Test
    void greyPngKeepsItsValuesAsImageAndMask() throws Exception {
        java.awt.image.BufferedImage grey = new java.awt.image.BufferedImage(3, 1, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(0, 0, 0, 64);
        grey.getRaster().setSample(1, 0, 0, 128);
        grey.getRaster().setSample(2, 0, 0, 250);
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(grey, "png", png);
        Raster image = PngCodec.decodeRgba(png.toByteArray(), Long.MAX_VALUE);
        assertEquals(64, image.channel(0, 0, 0));
        assertEquals(128, image.channel(1, 0, 1));
        assertEquals(255, image.channel(1, 0, 3));
        assertEquals(250, PngCodec.decodeMask(png.toByteArray(), Long.MAX_VALUE).at(2, 0));
    }

    @Test
    void sixteenBitGreyMaskIsScaledTo8Bits() throws Exception {
        java.awt.image.BufferedImage grey = new java.awt.image.BufferedImage(2, 1, java.awt.image.BufferedImage.TYPE_USHORT_GRAY);
        grey.getRaster().setSample(0, 0, 0, 65535);
        grey.getRaster().setSample(1, 0, 0, 32896);
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(grey, "png", png);
        Mask mask = PngCodec.decodeMask(png.toByteArray(), Long.MAX_VALUE);
        assertEquals(255, mask.at(0, 0));
        assertEquals(128, mask.at(1, 0));
    }

    @Test
    void maskFromAnRgbaPngIsItsAlpha() throws Exception {
        Raster raster = Raster.blank(new Extent(3, 1));
        raster.rgba()[3] = 10;
        raster.rgba()[7] = (byte) 200;
        raster.rgba()[8] = (byte) 255; // red but transparent: not selected
        Mask mask = PngCodec.decodeMask(PngCodec.encode(raster), Long.MAX_VALUE);
        assertEquals(10, mask.at(0, 0));
        assertEquals(200, mask.at(1, 0));
        assertEquals(0, mask.at(2, 0));
    }

    @Test
    void sizeOverTheLimitIsRefusedFromTheHeader() {
        byte[] png = PngCodec.encode(Raster.blank(new Extent(100, 100)));
        PngCodec.BadPng e = assertThrows(PngCodec.BadPng.class, () -> PngCodec.decodeRgba(png, 9_999));
        assertTrue(e.getMessage().contains("10000 pixels"), e.getMessage());
    }

    @Test
    void truncatedAndForeignBytesAreBadPngs() {
        byte[] png = PngCodec.encode(Raster.blank(new Extent(100, 100)));
        assertThrows(PngCodec.BadPng.class, () -> PngCodec.decodeRgba(Arrays.copyOf(png, 40), Long.MAX_VALUE));
        assertThrows(PngCodec.BadPng.class, () -> PngCodec.decodeRgba(new byte[] {1, 2, 3}, Long.MAX_VALUE));
        byte[] zeroWidth = png.clone();
        Arrays.fill(zeroWidth, 16, 20, (byte) 0);
        assertThrows(PngCodec.BadPng.class, () -> PngCodec.peekExtent(zeroWidth));
    }
}
