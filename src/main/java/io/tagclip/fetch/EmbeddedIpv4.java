package io.tagclip.fetch;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * An IPv4 address that an IPv6 address carries for a transition mechanism, so that a connection to the IPv6 address
 * may end at the IPv4 host. The forms recognised, by where the IPv4 address sits in the 128 bits:
 *
 * <ul>
 *   <li>IPv4-mapped {@code ::ffff:0:0/96} and IPv4-translated {@code ::ffff:0:0:0/96} (RFC 4291, RFC 2765): bits
 *       96..127;
 *   <li>IPv4-compatible {@code ::/96} (RFC 4291, deprecated, {@code ::a.b.c.d}): bits 96..127;
 *   <li>NAT64 well-known prefix {@code 64:ff9b::/96} (RFC 6052): bits 96..127;
 *   <li>6to4 {@code 2002::/16} (RFC 3056): bits 16..47;
 *   <li>Teredo {@code 2001::/32} (RFC 4380): the server in bits 32..63, the client in bits 96..127 inverted;
 *   <li>ISATAP interface identifiers {@code 0:5efe:a.b.c.d} and {@code 200:5efe:a.b.c.d} under any /64 prefix (RFC
 *       5214): bits 96..127.
 * </ul>
 *
 * <p>The NAT64 local-use prefix {@code 64:ff9b:1::/48} (RFC 8215) is not among them: the operator chooses the prefix
 * length and so where the IPv4 address sits, so {@link AddressGuard} refuses that prefix as a whole.
 *
 * @param form    the mechanism and its prefix, and for Teredo which of its two addresses this is, as messages name it
 * @param address the carried IPv4 address
 */
record EmbeddedIpv4(String form, Inet4Address address) {

    /** Bytes 8..11 of an ISATAP address: the interface identifier's fixed part, u/l bit (0x02 in byte 8) clear. */
    private static final int ISATAP_MARKER = 0x00005EFE;

    private static final int UNIVERSAL_LOCAL_BIT = 0x02;

    /**
     * The IPv4 addresses {@code address} carries, in the order of the list above; empty for an IPv4 address and for
     * an IPv6 address of no such form. An address may carry more than one (an ISATAP host behind a 6to4 router).
     */
    static List<EmbeddedIpv4> in(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return List.of();
        }
        byte[] b = address.getAddress();
        List<EmbeddedIpv4> found = new ArrayList<>(2);
        if (allZero(b, 0, 10) && (b[10] & 0xFF) == 0xFF && (b[11] & 0xFF) == 0xFF) {
            found.add(at("IPv4-mapped (::ffff:0:0/96)", b, 12, false));
        } else if (allZero(b, 0, 8) && (b[8] & 0xFF) == 0xFF && (b[9] & 0xFF) == 0xFF && allZero(b, 10, 12)) {
            found.add(at("IPv4-translated (::ffff:0:0:0/96)", b, 12, false));
        } else if (allZero(b, 0, 12)) {
            found.add(at("IPv4-compatible (::/96)", b, 12, false));
        } else if (readInt(b, 0) == 0x0064FF9B && allZero(b, 4, 12)) {
            found.add(at("NAT64 (64:ff9b::/96)", b, 12, false));
        } else if ((b[0] & 0xFF) == 0x20 && (b[1] & 0xFF) == 0x02) {
            found.add(at("6to4 (2002::/16)", b, 2, false));
        } else if (readInt(b, 0) == 0x20010000) {
            found.add(at("Teredo (2001::/32) server", b, 4, false));
            found.add(at("Teredo (2001::/32) client", b, 12, true));
        }
        if ((readInt(b, 8) & ~(UNIVERSAL_LOCAL_BIT << 24)) == ISATAP_MARKER) {
            String id = (b[8] & UNIVERSAL_LOCAL_BIT) == 0 ? "0" : "200";
            found.add(at("ISATAP (interface id " + id + ":5efe:a.b.c.d)", b, 12, false));
        }
        return List.copyOf(found);
    }

    private static EmbeddedIpv4 at(String form, byte[] ipv6, int offset, boolean inverted) {
        byte[] ipv4 = new byte[4];
        for (int i = 0; i < 4; i++) {
            ipv4[i] = (byte) (inverted ? ~ipv6[offset + i] : ipv6[offset + i]);
        }
        try {
            return new EmbeddedIpv4(form, (Inet4Address) InetAddress.getByAddress(ipv4));
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 bytes are an IPv4 address", e);
        }
    }

    private static boolean allZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static int readInt(byte[] b, int at) {
        return ((b[at] & 0xFF) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF);
    }
}
