package io.tagclip.fetch;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The SSRF guard: resolves a host and refuses it when any of its addresses is loopback, private, link-local,
 * multicast, unspecified, carrier-grade NAT or otherwise not a public unicast address, and refuses cloud metadata
 * host names outright. Allow-list entries (a host name, address or CIDR range, each with or without a port) let
 * through the addresses they name, on their port only when they have one.
 *
 * <p>An IPv6 address that carries an IPv4 address (IPv4-mapped, IPv4-translated, IPv4-compatible, NAT64, 6to4,
 * Teredo, ISATAP: see {@link EmbeddedIpv4}) passes only when every IPv4 address it carries would pass on its own,
 * public or allow-listed for the port, because a translator or relay may deliver the connection to that IPv4 host.
 * The NAT64 local-use prefix {@code 64:ff9b:1::/48}, where the operator decides where the IPv4 address sits, is
 * refused unless an allow-list entry names the IPv6 address itself.
 *
 * <p>Every address the name resolves to must pass, because the HTTP client may connect to any of them. The lookup
 * goes through the JVM's address cache ({@code networkaddress.cache.ttl}, 30 s by default), which the HTTP client
 * consults again when it connects moments later; so the checked addresses are the ones connected to unless the
 * cache entry expires in between. That window (DNS rebinding across a cache expiry) is the residual risk: the JDK
 * 17 HttpClient neither lets a caller set the {@code Host} header nor plug in a resolver, so the connection
 * cannot be pinned to the checked address. Keep the cache TTL at its default or longer.
 */
public final class AddressGuard {

    /** Ranges refused besides what {@link InetAddress}'s own predicates catch (RFC 6890 special-purpose blocks). */
    private static final List<Cidr> BLOCKED_RANGES = List.of(
            Cidr.parse("0.0.0.0/8"), // "this network"
            Cidr.parse("100.64.0.0/10"), // carrier-grade NAT, RFC 6598
            Cidr.parse("192.0.0.0/24"), // IETF protocol assignments
            Cidr.parse("198.18.0.0/15"), // benchmarking
            Cidr.parse("240.0.0.0/4"), // reserved, and 255.255.255.255 broadcast
            Cidr.parse("fc00::/7"), // unique local IPv6
            // NAT64 local-use, RFC 8215: carries an IPv4 address where the operator's prefix length puts it
            Cidr.parse("64:ff9b:1::/48"));

    /** Names that reach a cloud provider's instance metadata service (credentials) without a special address. */
    private static final Set<String> METADATA_HOSTS = Set.of(
            "metadata",
            "metadata.google.internal",
            "metadata.goog",
            "metadata.azure.internal",
            "instance-data",
            "instance-data.ec2.internal");

    /** Port of an allow-list entry written without one: every port. */
    static final int ANY_PORT = -1;

    private static final int MAX_PORT = 65_535;

    /** One allow-list entry: a host name or an address range, and the port it allows ({@link #ANY_PORT}: all). */
    private record Allowed(String name, Cidr range, int port, String text) {

        boolean allowsPort(int p) {
            return port == ANY_PORT || port == p;
        }
    }

    private final boolean enabled;
    private final List<Allowed> allowed;

    /**
     * @param enabled   {@code false} turns every check off (only for trusted producers on a closed network)
     * @param allowList entries that pass: a host name (case-insensitive), an IP address or a CIDR range allows every
     *                  port; {@code host:port}, {@code [IPv6]:port}, {@code CIDR:port} or {@code [IPv6 CIDR]:port}
     *                  allows that one port
     */
    public AddressGuard(boolean enabled, List<String> allowList) {
        this.enabled = enabled;
        List<Allowed> entries = new ArrayList<>();
        for (String entry : allowList) {
            String e = entry.strip().toLowerCase(Locale.ROOT);
            if (!e.isEmpty()) {
                entries.add(parseEntry(e, entry));
            }
        }
        this.allowed = List.copyOf(entries);
    }

    private static Allowed parseEntry(String e, String original) {
        String host = e;
        int port = ANY_PORT;
        if (e.startsWith("[")) {
            int close = e.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("allow-list entry '" + original + "' has '[' without ']'");
            }
            host = e.substring(1, close);
            String rest = e.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new IllegalArgumentException(
                            "allow-list entry '" + original + "': expected ':port' after ']'");
                }
                port = parsePort(rest.substring(1), original);
            }
        } else if (e.indexOf(':') >= 0 && e.indexOf(':') == e.lastIndexOf(':')) {
            host = e.substring(0, e.indexOf(':'));
            port = parsePort(e.substring(e.indexOf(':') + 1), original);
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("allow-list entry '" + original + "' has no host");
        }
        String address = host.contains("/") ? host.substring(0, host.indexOf('/')) : host;
        if (Cidr.isIpLiteral(address)) {
            return new Allowed(null, Cidr.parse(host), port, original.strip());
        }
        if (host.contains("/")) {
            throw new IllegalArgumentException(
                    "allow-list entry '" + original + "': a CIDR range needs a numeric address");
        }
        return new Allowed(stripTrailingDot(host), null, port, original.strip());
    }

    private static int parsePort(String text, String original) {
        try {
            int port = Integer.parseInt(text);
            if (port >= 1 && port <= MAX_PORT) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                "allow-list entry '" + original + "': port '" + text + "' is not in 1.." + MAX_PORT);
    }

    /**
     * Checks that {@code host} may be connected to on any port: only allow-list entries without a port apply.
     *
     * @throws FetchException {@code BLOCKED_ADDRESS} naming the host and the refused address, or {@code NOT_FOUND}
     *     when the name does not resolve
     */
    public void check(String host) throws FetchException {
        check(host, ANY_PORT);
    }

    /**
     * Checks that {@code host} may be connected to on {@code port}. Every address the host resolves to must be
     * public or allowed for this port by an entry: an address entry contains it, or a name entry is the host itself
     * or resolves to it. So every spelling of an address ({@code 2130706433}, {@code [::ffff:127.0.0.1]},
     * {@code localhost}) meets the same entries.
     *
     * @param port the port the connection will use, or {@link #ANY_PORT} when only port-less entries may apply
     * @throws FetchException {@code BLOCKED_ADDRESS} naming the host, port and the refused address, or
     *     {@code NOT_FOUND} when the name does not resolve
     */
    public void check(String host, int port) throws FetchException {
        if (!enabled) {
            return;
        }
        String name = stripTrailingDot(stripBrackets(host).toLowerCase(Locale.ROOT));
        if (entriesFor(port).stream().anyMatch(a -> name.equals(a.name()))) {
            return;
        }
        if (METADATA_HOSTS.contains(name)) {
            throw new FetchException(
                    FetchException.Reason.BLOCKED_ADDRESS, "host " + host + " is a cloud metadata service");
        }
        List<InetAddress> addresses;
        try {
            addresses = List.of(InetAddress.getAllByName(name));
        } catch (UnknownHostException e) {
            throw new FetchException(FetchException.Reason.NOT_FOUND, "unknown host " + host, 1, e);
        }
        checkResolved(host, port, addresses);
    }

    /**
     * Checks the addresses {@code host} resolved to, as {@link #check(String, int)} does after the lookup.
     *
     * @throws FetchException {@code BLOCKED_ADDRESS} naming the host, port and the first refused address
     */
    void checkResolved(String host, int port, List<InetAddress> addresses) throws FetchException {
        List<Allowed> forPort = entriesFor(port);
        for (InetAddress address : addresses) {
            if (isAllowed(address, forPort)) {
                continue;
            }
            String why = refusal(address);
            if (why != null) {
                throw blocked(host, port, why + " address " + address.getHostAddress() + allowListHint(address, port));
            }
            for (EmbeddedIpv4 embedded : EmbeddedIpv4.in(address)) {
                InetAddress ipv4 = embedded.address();
                String inner = isAllowed(ipv4, forPort) ? null : refusal(ipv4);
                if (inner != null) {
                    throw blocked(
                            host,
                            port,
                            "address " + address.getHostAddress() + ", whose " + embedded.form() + " IPv4 is " + inner
                                    + " address " + ipv4.getHostAddress() + allowListHint(ipv4, port));
                }
            }
        }
    }

    private static FetchException blocked(String host, int port, String what) {
        return new FetchException(
                FetchException.Reason.BLOCKED_ADDRESS,
                "host " + host + (port == ANY_PORT ? "" : " port " + port) + " resolves to " + what);
    }

    /** The allow-list entries that apply to {@code port} (only port-less ones for {@link #ANY_PORT}). */
    private List<Allowed> entriesFor(int port) {
        return allowed.stream()
                .filter(a -> port == ANY_PORT ? a.port() == ANY_PORT : a.allowsPort(port))
                .toList();
    }

    /** Says so when the address is on the allow-list, but for other ports only. */
    private String allowListHint(InetAddress address, int port) {
        List<String> otherPorts = allowed.stream()
                .filter(a -> isAllowed(address, List.of(a)))
                .map(Allowed::text)
                .toList();
        return otherPorts.isEmpty()
                ? ""
                : " (allow-listed only as " + String.join(", ", otherPorts)
                        + (port == ANY_PORT ? ")" : ", not for port " + port + ")");
    }

    private static boolean isAllowed(InetAddress address, List<Allowed> entries) {
        for (Allowed a : entries) {
            if (a.range() != null && a.range().contains(address)) {
                return true;
            }
            if (a.name() != null && resolvesTo(a.name(), address)) {
                return true;
            }
        }
        return false;
    }

    /** True when {@code name} resolves (through the JVM's address cache) to {@code address}. */
    private static boolean resolvesTo(String name, InetAddress address) {
        try {
            for (InetAddress candidate : InetAddress.getAllByName(name)) {
                if (candidate.equals(address)) {
                    return true;
                }
            }
        } catch (UnknownHostException e) {
            return false; // an entry that does not resolve allows nothing by address
        }
        return false;
    }

    /** Why {@code address} is refused, or {@code null} when it may be connected to. */
    private static String refusal(InetAddress address) {
        if (address.isLoopbackAddress()) {
            return "loopback";
        }
        if (address.isAnyLocalAddress()) {
            return "unspecified";
        }
        if (address.isLinkLocalAddress()) {
            return "link-local";
        }
        if (address.isSiteLocalAddress()) {
            return "private";
        }
        if (address.isMulticastAddress()) {
            return "multicast";
        }
        for (Cidr blocked : BLOCKED_RANGES) {
            if (blocked.contains(address)) {
                return "special-purpose (" + blocked + ")";
            }
        }
        return null;
    }

    private static String stripBrackets(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static String stripTrailingDot(String host) {
        return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    }
}
