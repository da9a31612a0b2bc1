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
 * host names outright. Host names, addresses and CIDR ranges on the allow-list pass regardless.
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
            Cidr.parse("64:ff9b::/96"), // NAT64: embeds an IPv4 address the guard cannot vouch for
            Cidr.parse("2002::/16")); // 6to4: embeds an IPv4 address too

    /** Names that reach a cloud provider's instance metadata service (credentials) without a special address. */
    private static final Set<String> METADATA_HOSTS = Set.of(
            "metadata",
            "metadata.google.internal",
            "metadata.goog",
            "metadata.azure.internal",
            "instance-data",
            "instance-data.ec2.internal");

    private final boolean enabled;
    private final Set<String> allowedHosts;
    private final List<Cidr> allowedRanges;

    /**
     * @param enabled   {@code false} turns every check off (only for trusted producers on a closed network)
     * @param allowList host names (exact, case-insensitive), IP addresses or CIDR ranges that always pass
     */
    public AddressGuard(boolean enabled, List<String> allowList) {
        this.enabled = enabled;
        List<Cidr> ranges = new ArrayList<>();
        java.util.HashSet<String> hosts = new java.util.HashSet<>();
        for (String entry : allowList) {
            String e = entry.strip().toLowerCase(Locale.ROOT);
            if (e.isEmpty()) {
                continue;
            }
            if (Cidr.isIpLiteral(e.contains("/") ? e.substring(0, e.indexOf('/')) : e)) {
                ranges.add(Cidr.parse(e));
            } else {
                hosts.add(e);
            }
        }
        this.allowedHosts = Set.copyOf(hosts);
        this.allowedRanges = List.copyOf(ranges);
    }

    /**
     * Checks that {@code host} may be connected to.
     *
     * @throws FetchException {@code BLOCKED_ADDRESS} naming the host and the refused address, or {@code NOT_FOUND}
     *     when the name does not resolve
     */
    public void check(String host) throws FetchException {
        if (!enabled) {
            return;
        }
        String name = stripBrackets(host).toLowerCase(Locale.ROOT);
        if (allowedHosts.contains(name)) {
            return;
        }
        if (METADATA_HOSTS.contains(name) || METADATA_HOSTS.contains(stripTrailingDot(name))) {
            throw new FetchException(FetchException.Reason.BLOCKED_ADDRESS, "host " + host + " is a cloud metadata service");
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(name);
        } catch (UnknownHostException e) {
            throw new FetchException(FetchException.Reason.NOT_FOUND, "unknown host " + host, 1, e);
        }
        for (InetAddress address : addresses) {
            String why = refusal(address);
            if (why != null) {
                throw new FetchException(FetchException.Reason.BLOCKED_ADDRESS,
                        "host " + host + " resolves to " + why + " address " + address.getHostAddress());
            }
        }
    }

    /** Why {@code address} is refused, or {@code null} when it may be connected to. */
    private String refusal(InetAddress address) {
        for (Cidr allowed : allowedRanges) {
            if (allowed.contains(address)) {
                return null;
            }
        }
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
