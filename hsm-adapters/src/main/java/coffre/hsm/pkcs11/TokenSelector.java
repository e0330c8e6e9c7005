package coffre.hsm.pkcs11;

/**
 * Which token of a PKCS#11 module Coffre uses: exactly one of a token label, a slot id or an index
 * into the module's slot list.
 *
 * <p>Why a label is the preferred form: slot ids are assigned by the module and may change when
 * tokens are added (SoftHSM2 derives them from the token serial; network HSMs renumber slots after
 * partition changes), while a label is chosen by the operator. Slot ids and indexes remain for
 * modules whose tokens carry no useful label.
 */
public sealed interface TokenSelector {

    /** Selects the single initialised token whose {@code CKA_LABEL} (trailing blanks ignored) equals {@code label}. */
    record Label(String label) implements TokenSelector {
        /** PKCS#11 token labels are 32 bytes, blank padded. */
        public static final int MAX_LENGTH = 32;

        public Label {
            if (label == null || label.isBlank()) {
                throw new IllegalArgumentException("hsm.token.label must not be blank");
            }
            if (label.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_LENGTH) {
                throw new IllegalArgumentException("hsm.token.label must be at most " + MAX_LENGTH
                        + " bytes in UTF-8 (PKCS#11 token labels are 32 bytes), got '" + label + "'");
            }
            if (!label.equals(label.strip())) {
                throw new IllegalArgumentException("hsm.token.label must not start or end with blanks"
                        + " (PKCS#11 pads labels with blanks, so they cannot be told apart)");
            }
        }

        @Override
        public String toString() {
            return "label '" + label + "'";
        }
    }

    /** Selects a slot by its PKCS#11 slot id ({@code CK_SLOT_ID}). */
    record SlotId(long slotId) implements TokenSelector {
        public SlotId {
            requireNonNegative(slotId, "hsm.token.slot-id");
        }

        @Override
        public String toString() {
            return "slot id " + slotId;
        }
    }

    /** Selects the n-th slot (from 0) of the module's full slot list, like SunPKCS11's {@code slotListIndex}. */
    record SlotIndex(int index) implements TokenSelector {
        public SlotIndex {
            requireNonNegative(index, "hsm.token.slot-index");
        }

        @Override
        public String toString() {
            return "slot index " + index;
        }
    }

    static TokenSelector label(String label) {
        return new Label(label);
    }

    static TokenSelector slotId(long slotId) {
        return new SlotId(slotId);
    }

    static TokenSelector slotIndex(int index) {
        return new SlotIndex(index);
    }

    /** Slot ids and slot indexes alike are never negative. */
    private static void requireNonNegative(long value, String setting) {
        if (value < 0) {
            throw new IllegalArgumentException(setting + " must be >= 0, got " + value);
        }
    }
}
