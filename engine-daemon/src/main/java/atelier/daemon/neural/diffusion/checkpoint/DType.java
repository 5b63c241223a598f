package atelier.daemon.neural.diffusion.checkpoint;

import java.util.Optional;

/** The element types the safetensors format defines, by the names its header uses. */
public enum DType {
    BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1), I16(2), U16(2), F16(2), BF16(2), I32(4), U32(4), F32(4), F64(8), I64(8),
    U64(8);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes one element takes. */
    public int bytes() {
        return bytes;
    }

    /**
     * Whether every value of this type is a float exactly. Only these are read as float[];
     * F64 and the wide integers would lose digits, so their bytes are read as they are.
     */
    public boolean convertsToFloat() {
        return this == F32 || this == F16 || this == BF16;
    }

    /** The type a header names, if safetensors defines one by that name. */
    public static Optional<DType> named(String name) {
        for (DType type : values()) {
            if (type.name().equals(name)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
