package io.tagclip.fetch;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/** An IPv4 or IPv6 address range written as {@code address/prefix}; a bare address is a range of one. */
record Cidr(byte[] network, int prefix) {

    Cidr {
        network = network.clone();
        if (prefix < 0 || prefix > network.length * 8) {
            throw new IllegalArgumentException(
                    "prefix " + prefix + " out of range for " + network.length * 8 + "-bit address");
        }
    }

    /** Parses {@code 10.0.0.0/8}, {@code fc00::/7} or {@code 127.0.0.1}; only numeric addresses, never DNS. */
    static Cidr parse(String text) {
        String trimmed = text.strip();
        int slash = trimmed.indexOf('/');
        String address = slash < 0 ? trimmed : trimmed.substring(0, slash);
        if (!isIpLiteral(address)) {
            throw new IllegalArgumentException("not a numeric IP address or CIDR range: '" + text + "'");
        }
        byte[] bytes;
        try {
            bytes = InetAddress.getByName(address).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not a numeric IP address or CIDR range: '" + text + "'", e);
        }
        int prefix;
        try {
            prefix = slash < 0 ? bytes.length * 8 : Integer.parseInt(trimmed.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad prefix length in '" + text + "'", e);
        }
        if (prefix < 0 || prefix > bytes.length * 8) {
            throw new IllegalArgumentException("prefix length out of range in '" + text + "'");
        }
        return new Cidr(bytes, prefix);
    }

    /** True for text that {@link InetAddress#getByName} parses without a DNS lookup. */
    static boolean isIpLiteral(String text) {
        return text.indexOf(':') >= 0
                || (!text.isEmpty() && text.chars().allMatch(c -> c == '.' || Character.isDigit(c)));
    }

    boolean contains(InetAddress address) {
        byte[] candidate = address.getAddress();
        if (candidate.length != network.length) {
            return false;
        }
        int fullBytes = prefix / 8;
        for (int i = 0; i < fullBytes; i++) {
            if (candidate[i] != network[i]) {
                return false;
            }
        }
        int restBits = prefix % 8;
        if (restBits == 0) {
            return true;
        }
        int mask = (0xFF << (8 - restBits)) & 0xFF;
        return (candidate[fullBytes] & mask) == (network[fullBytes] & mask);
    }

    @Override
    public byte[] network() {
        return network.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefix;
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
        } catch (UnknownHostException e) {
            throw new IllegalStateException("address of length " + network.length, e);
        }
    }
}
