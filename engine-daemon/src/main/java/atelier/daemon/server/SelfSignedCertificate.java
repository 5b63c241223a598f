package atelier.daemon.server;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * A daemon's own certificate: an EC P-256 key and a self-signed X.509 certificate for it,
 * written in DER here because Java has no public API that makes one. Nobody checks it against
 * an authority: clients pin its SHA-256 fingerprint on first use, so it needs no host names,
 * extensions or chain, only a key, a name and dates (a version 1 certificate, RFC 5280 4.1).
 */
public final class SelfSignedCertificate {

    /** ecdsa-with-SHA256, 1.2.840.10045.4.3.2. */
    private static final byte[] ECDSA_WITH_SHA256 = {0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x04, 0x03, 0x02};
    /** id-at-commonName, 2.5.4.3. */
    private static final byte[] COMMON_NAME = {0x55, 0x04, 0x03};
    private static final DateTimeFormatter UTC_TIME = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'");

    private SelfSignedCertificate() {
    }

    /** A new key pair and a certificate for it named {@code commonName}, valid from now for {@code years}. */
    public static Issued issue(String commonName, int years) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
        KeyPair keys = generator.generateKeyPair();
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC).withNano(0).minusMinutes(5); // clocks drift
        byte[] serial = new byte[16];
        new SecureRandom().nextBytes(serial);
        serial[0] &= 0x7F; // positive
        byte[] name = sequence(set(sequence(oid(COMMON_NAME), utf8(commonName))));
        byte[] algorithm = sequence(oid(ECDSA_WITH_SHA256));
        byte[] tbs = sequence(
                integer(new BigInteger(1, serial)),
                algorithm,
                name,
                sequence(utcTime(now), utcTime(now.plusYears(years))),
                name,
                keys.getPublic().getEncoded()); // already a DER SubjectPublicKeyInfo
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(keys.getPrivate());
        signer.update(tbs);
        byte[] certificate = sequence(tbs, algorithm, bitString(signer.sign()));
        X509Certificate parsed = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(certificate));
        parsed.verify(keys.getPublic());
        return new Issued(keys, parsed);
    }

    /** A key pair and its certificate. */
    public record Issued(KeyPair keys, X509Certificate certificate) {
    }

    private static byte[] utcTime(ZonedDateTime time) {
        if (time.getYear() >= 2050) {
            throw new IllegalArgumentException("UTCTime ends in 2049; " + time.getYear() + " would need GeneralizedTime");
        }
        return tagged(0x17, UTC_TIME.format(time).getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] sequence(byte[]... parts) {
        return tagged(0x30, concat(parts));
    }

    private static byte[] set(byte[]... parts) {
        return tagged(0x31, concat(parts));
    }

    private static byte[] oid(byte[] encoded) {
        return tagged(0x06, encoded);
    }

    private static byte[] utf8(String text) {
        return tagged(0x0C, text.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] integer(BigInteger value) {
        return tagged(0x02, value.toByteArray());
    }

    private static byte[] bitString(byte[] bits) {
        byte[] content = new byte[bits.length + 1]; // first byte: no unused bits
        System.arraycopy(bits, 0, content, 1, bits.length);
        return tagged(0x03, content);
    }

    /** Tag, DER length (short form under 128, else long form), content. */
    private static byte[] tagged(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
        out.write(tag);
        int length = content.length;
        if (length < 0x80) {
            out.write(length);
        } else {
            int bytes = length > 0xFFFFFF ? 4 : length > 0xFFFF ? 3 : length > 0xFF ? 2 : 1;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(length >>> (8 * i));
            }
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
