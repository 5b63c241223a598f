package atelier.daemon.neural.diffusion.text;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's reversible map from bytes to printable characters ({@code bytes_to_unicode}),
 * which CLIP's BPE works on: printable Latin-1 bytes stand for themselves, the other 68
 * (controls, space, soft hyphen...) for the characters from U+0100 on, in byte order. So
 * any UTF-8 text becomes a string of vocabulary symbols, and no character is unknown.
 */
final class ByteLevelAlphabet {

    private static final char[] SYMBOL_OF_BYTE = new char[256];
    /** The bytes in bytes_to_unicode's own order: the printable ones, then the rest. */
    private static final int[] ORDER = new int[256];

    static {
        int extra = 0;
        int printableCount = 0;
        for (int b = 0; b < 256; b++) {
            if (printable(b)) {
                ORDER[printableCount++] = b;
            }
        }
        int rest = printableCount;
        for (int b = 0; b < 256; b++) {
            SYMBOL_OF_BYTE[b] = printable(b) ? (char) b : (char) (256 + extra++);
            if (!printable(b)) {
                ORDER[rest++] = b;
            }
        }
    }

    private static boolean printable(int b) {
        return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }

    /** The 256 bytes in the order bytes_to_unicode lists them, which is the order of CLIP's first 256 tokens. */
    static int[] bytesInOrder() {
        return ORDER.clone();
    }

    private ByteLevelAlphabet() {
    }

    /** The symbol standing for one byte (0..255). */
    static char symbol(int unsignedByte) {
        return SYMBOL_OF_BYTE[unsignedByte];
    }

    /** The text's UTF-8 bytes as symbols, one character each. */
    static String encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = SYMBOL_OF_BYTE[bytes[i] & 0xFF];
        }
        return new String(out);
    }
}
