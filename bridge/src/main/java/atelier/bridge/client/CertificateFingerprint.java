package atelier.bridge.client;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * How a person recognises a daemon's certificate: SHA-256 of its DER bytes as colon-separated
 * hex pairs ("SHA256:3F:A0:..."), the form `openssl x509 -fingerprint -sha256` prints, so the
 * value `atelier serve --tls` shows can be compared by eye or by a tool.
 */
public final class CertificateFingerprint {

    private static final String PREFIX = "SHA256:";

    private CertificateFingerprint() {
    }

    public static String of(byte[] derCertificate) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(derCertificate);
            return PREFIX + HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this Java has no SHA-256", e);
        }
    }

    /** The canonical form of a fingerprint a person typed: case, spaces and the prefix do not matter. */
    public static String normalise(String typed) {
        String hex = typed.trim().toUpperCase(Locale.ROOT);
        if (hex.startsWith(PREFIX)) {
            hex = hex.substring(PREFIX.length());
        }
        hex = hex.replaceAll("[\\s:]", "");
        if (!hex.matches("[0-9A-F]{64}")) {
            throw new IllegalArgumentException("a SHA-256 fingerprint has 64 hex digits (32 pairs), not '" + typed.trim() + "'");
        }
        return PREFIX + HexFormat.ofDelimiter(":").withUpperCase().formatHex(HexFormat.of().parseHex(hex));
    }
}
