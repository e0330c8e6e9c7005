package coffre.hsm.pkcs11;

import coffre.hsm.HsmErrorKind;
import coffre.hsm.HsmException;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns a {@link TokenSelector} into the slot id SunPKCS11 is configured with.
 *
 * <p>Why here and not in SunPKCS11: its configuration accepts {@code slot} and
 * {@code slotListIndex} only, while operators name tokens by label. The resolution asks the module
 * itself ({@code C_GetSlotList}, {@code C_GetTokenInfo}) before the provider exists, and refuses
 * ambiguity: two initialised tokens with the same label would make key placement depend on slot
 * order.
 */
final class SlotResolver {
    private SlotResolver() {
    }

    /**
     * The slot id selected by {@code selector}.
     *
     * @throws HsmException of kind {@link HsmErrorKind#UNAVAILABLE} naming the tokens present when
     *                      nothing (or more than one token) matches
     */
    static long resolve(Pkcs11Native module, TokenSelector selector) {
        return switch (selector) {
            case TokenSelector.Label l -> byLabel(module, l.label());
            case TokenSelector.SlotId s -> bySlotId(module, s.slotId());
            case TokenSelector.SlotIndex i -> byIndex(module, i.index());
        };
    }

    private static long byLabel(Pkcs11Native module, String label) {
        List<Long> matches = new ArrayList<>();
        List<String> present = new ArrayList<>();
        for (long slot : module.slotList(true)) {
            Pkcs11Native.TokenInfo info = module.tokenInfo(slot);
            if ((info.flags() & Pkcs11Native.CKF_TOKEN_INITIALIZED) == 0) {
                continue;
            }
            present.add("'" + info.label() + "'");
            if (info.label().equals(label)) {
                matches.add(slot);
            }
        }
        if (matches.size() == 1) {
            return matches.get(0);
        }
        if (matches.isEmpty()) {
            throw new HsmException(HsmErrorKind.UNAVAILABLE, "hsm.token.label: no initialised token labelled '"
                    + label + "'; tokens present: " + (present.isEmpty() ? "none" : String.join(", ", present)));
        }
        throw new HsmException(HsmErrorKind.UNAVAILABLE, "hsm.token.label: " + matches.size()
                + " tokens are labelled '" + label + "' (slots " + matches + "); select one by hsm.token.slot-id");
    }

    private static long bySlotId(Pkcs11Native module, long slotId) {
        long[] slots = module.slotList(true);
        for (long s : slots) {
            if (s == slotId) {
                return s;
            }
        }
        throw new HsmException(HsmErrorKind.UNAVAILABLE, "hsm.token.slot-id: no token present in slot " + slotId
                + "; slots with a token: " + java.util.Arrays.toString(slots));
    }

    private static long byIndex(Pkcs11Native module, int index) {
        // Same list as SunPKCS11's slotListIndex: all slots, with or without a token.
        long[] slots = module.slotList(false);
        if (index >= slots.length) {
            throw new HsmException(HsmErrorKind.UNAVAILABLE, "hsm.token.slot-index must be below " + slots.length
                    + " (the module has " + slots.length + " slots), got " + index);
        }
        return slots[index];
    }
}
