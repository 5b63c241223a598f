package atelier.daemon.neural.diffusion.checkpoint;

/**
 * What CheckpointInspector found: a kind, or UNKNOWN with the sentence saying why (what the
 * file looked like and which key is missing or has the wrong shape).
 */
public record Identification(CheckpointKind kind, String reason) {

    static Identification of(CheckpointKind kind) {
        return new Identification(kind, null);
    }

    static Identification unknown(String reason) {
        return new Identification(CheckpointKind.UNKNOWN, reason);
    }

    public boolean is(CheckpointKind expected) {
        return kind == expected;
    }

    /** As capabilities() lists it: "sd15", "lora", or "unknown: why". */
    public String label() {
        return kind == CheckpointKind.UNKNOWN ? "unknown: " + reason : kind.label();
    }
}
