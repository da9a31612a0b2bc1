package io.tagclip.fetch;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tagclip.fetch.FetchException.Reason;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AddressGuardTest {

    private final AddressGuard guard = new AddressGuard(true, List.of());

    @ParameterizedTest
    @ValueSource(
            strings = {
                "127.0.0.1",
                "127.8.9.10",
                "10.1.2.3",
                "172.16.0.1",
                "172.31.255.254",
                "192.168.1.1",
                "169.254.169.254",
                "100.64.0.1",
                "100.127.255.255",
                "0.0.0.0",
                "224.0.0.1",
                "255.255.255.255",
                "[::1]",
                "::",
                "fe80::1",
                "fc00::1",
                "fd12:3456::1",
                "ff02::1",
                "::ffff:10.0.0.1",
                "64:ff9b::a00:1"
            })
    void shouldBlockNonPublicAddresses(String host) {
        assertThatThrownBy(() -> guard.check(host))
                .isInstanceOf(FetchException.class)
                .hasFieldOrPropertyWithValue("reason", Reason.BLOCKED_ADDRESS)
                .hasMessageContaining(host.replace("[", "").replace("]", "").replace("::ffff:", ""));
    }

    @ParameterizedTest(name = "{0} carries {1}")
    @CsvSource({
        "64:ff9b::7f00:1, 127.0.0.1", // NAT64 well-known prefix
        "64:ff9b::a9fe:a9fe, 169.254.169.254",
        "2002:7f00:1::1, 127.0.0.1", // 6to4: bits 16..47
        "2002:a00:1:5::9, 10.0.0.1",
        "2001:0:4136:e378:8000:63bf:80ff:fffe, 127.0.0.1", // Teredo client: last 32 bits inverted
        "2001:0:a00:1:8000:63bf:f7f7:f7f7, 10.0.0.1", // Teredo server: bits 32..63 (client 8.8.8.8 is public)
        "::127.0.0.1, 127.0.0.1", // IPv4-compatible (deprecated)
        "::10.0.0.1, 10.0.0.1",
        "::ffff:0:192.168.1.1, 192.168.1.1", // IPv4-translated (SIIT)
        "2a01:4f8:1:2:0:5efe:10.0.0.1, 10.0.0.1", // ISATAP interface id
        "2a01:4f8:1:2:200:5efe:127.0.0.1, 127.0.0.1",
        "2002:808:808:1:200:5efe:172.16.0.1, 172.16.0.1" // ISATAP behind a 6to4 router with a public address
    })
    void shouldRefuseIpv6FormsCarryingANonPublicIpv4(String host, String embedded) {
        assertThatThrownBy(() -> guard.check(host))
                .isInstanceOf(FetchException.class)
                .hasFieldOrPropertyWithValue("reason", Reason.BLOCKED_ADDRESS)
                .hasMessageContaining("host " + host + " ")
                .hasMessageContaining(" address " + embedded);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "64:ff9b::808:808",
                "2002:808:808::1",
                "2001:0:4136:e378:8000:63bf:f7f7:f7f7",
                "::8.8.8.8",
                "::ffff:0:8.8.8.8",
                "2a01:4f8:1:2:200:5efe:8.8.8.8"
            })
    void shouldAllowIpv6FormsCarryingAPublicIpv4(String host) {
        assertThatCode(() -> guard.check(host)).doesNotThrowAnyException();
    }

    @Test
    void shouldAllowAnEmbeddedIpv4ThatTheAllowListAllows() {
        AddressGuard allowing = new AddressGuard(true, List.of("10.0.0.0/8:443"));

        assertThatCode(() -> allowing.check("2002:a00:1::1", 443)).doesNotThrowAnyException();
        assertThatThrownBy(() -> allowing.check("2002:a00:1::1", 80))
                .hasFieldOrPropertyWithValue("reason", Reason.BLOCKED_ADDRESS)
                .hasMessageContaining("10.0.0.1");
    }

    @Test
    void shouldRefuseNat64LocalUsePrefixUnlessAllowListedItself() {
        AddressGuard allowingPrivate = new AddressGuard(true, List.of("10.0.0.0/8"));
        AddressGuard allowingPrefix = new AddressGuard(true, List.of("64:ff9b:1::/48"));

        for (String host : List.of("64:ff9b:1::a00:1", "64:ff9b:1:ab::808:808")) {
            assertThatThrownBy(() -> guard.check(host))
                    .hasFieldOrPropertyWithValue("reason", Reason.BLOCKED_ADDRESS)
                    .hasMessageContaining("host " + host + " ")
                    .hasMessageContaining("64:ff9b:1:");
            assertThatThrownBy(() -> allowingPrivate.check(host))
                    .hasFieldOrPropertyWithValue("reason", Reason.BLOCKED_ADDRESS);
            assertThatCode(() -> allowingPrefix.check(host)).doesNotThrowAnyException();
        }
    }

    @Test
    void shouldRefuseIpv4MappedAddressThatTheResolverReturnsAsIpv6() throws Exception {
        // InetAddress.getByName turns a mapped literal into an Inet4Address, but an AAAA record may come back as an
        // Inet6Address holding ::ffff:127.0.0.1, whose own predicates (isLoopbackAddress, ...) all say no
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, 127, 0, 0, 1};
        InetAddress address = Inet6Address.getByAddress(null, mapped, -1);

        assertThatThrownBy(() -> guard.checkResolved("mapped.example", AddressGuard.ANY_PORT, List.of(address)))
                .hasFieldOrPropertyWithValue("reason", Reason.BLOCKED_ADDRESS)
                .hasMessageContaining("mapped.example")
                .hasMessageContaining("loopback address 127.0.0.1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"metadata.google.internal", "METADATA.google.internal.", "metadata", "instance-data"})
    void shouldBlockMetadataHostNamesWithoutResolvingThem(String host) {
        assertThatThrownBy(() -> guard.check(host))
                .hasFieldOrPropertyWithValue("reason", Reason.BLOCKED_ADDRESS)
                .hasMessageContaining("metadata");
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "172.32.0.1", "100.128.0.1", "2001:4860:4860::8888"})
    void shouldAllowPublicAddresses(String host) {
        assertThatCode(() -> guard.check(host)).doesNotThrowAnyException();
    }

    @Test
    void shouldLetAllowListedRangesAndHostsThrough() {
        AddressGuard allowing = new AddressGuard(true, List.of("10.0.0.0/8", "127.0.0.1", "Metadata"));

        assertThatCode(() -> allowing.check("10.20.30.40")).doesNotThrowAnyException();
        assertThatCode(() -> allowing.check("127.0.0.1")).doesNotThrowAnyException();
        assertThatCode(() -> allowing.check("metadata")).doesNotThrowAnyException();
        assertThatThrownBy(() -> allowing.check("127.0.0.2"))
                .hasFieldOrPropertyWithValue("reason", Reason.BLOCKED_ADDRESS);
        assertThatThrownBy(() -> allowing.check("192.168.0.1"))
                .hasFieldOrPropertyWithValue("reason", Reason.BLOCKED_ADDRESS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "2130706433", "[::ffff:127.0.0.1]", "localhost", "LOCALHOST."})
    void shouldAllowOnlyTheListedPortOfAnAddressUnderEverySpelling(String host) {
        AddressGuard onePort = new AddressGuard(true, List.of("127.0.0.1:8080", "[::1]:8080"));

        assertThatCode(() -> onePort.check(host, 8080)).doesNotThrowAnyException();
        assertThatThrownBy(() -> onePort.check(host, 8081))
                .hasFieldOrPropertyWithValue("reason", Reason.BLOCKED_ADDRESS)
                .hasMessageContaining("port 8081")
                .hasMessageContaining("allow-listed only as");
        assertThatThrownBy(() -> onePort.check(host)).hasFieldOrPropertyWithValue("reason", Reason.BLOCKED_ADDRESS);
    }

    @Test
    void shouldAllowEveryPortForAnEntryWithoutOne() {
        AddressGuard anyPort = new AddressGuard(true, List.of("127.0.0.1", "::1"));

        assertThatCode(() -> anyPort.check("127.0.0.1", 8080)).doesNotThrowAnyException();
        assertThatCode(() -> anyPort.check("2130706433", 22)).doesNotThrowAnyException();
    }

    @Test
    void shouldScopeCidrAndHostNameEntriesToTheirPort() {
        AddressGuard scoped =
                new AddressGuard(true, List.of("10.0.0.0/8:443", "[fd00::/8]:8443", "images.internal:9000"));

        assertThatCode(() -> scoped.check("10.9.8.7", 443)).doesNotThrowAnyException();
        assertThatThrownBy(() -> scoped.check("10.9.8.7", 80))
                .hasFieldOrPropertyWithValue("reason", Reason.BLOCKED_ADDRESS);
        assertThatCode(() -> scoped.check("[fd00::5]", 8443)).doesNotThrowAnyException();
        assertThatThrownBy(() -> scoped.check("fd00::5", 443))
                .hasFieldOrPropertyWithValue("reason", Reason.BLOCKED_ADDRESS);
        assertThatCode(() -> scoped.check("images.internal", 9000)).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1:0", "127.0.0.1:70000", "host:http", "[::1", "[::1]8080", ":8080", "name/8"})
    void shouldRejectMalformedPortEntries(String entry) {
        assertThatThrownBy(() -> new AddressGuard(true, List.of(entry)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(entry);
    }

    @Test
    void shouldCheckNothingWhenDisabled() {
        assertThatCode(() -> new AddressGuard(false, List.of()).check("169.254.169.254"))
                .doesNotThrowAnyException();
    }

    @Test
    void shouldRejectMalformedAllowListEntry() {
        assertThatThrownBy(() -> new AddressGuard(true, List.of("10.0.0.0/99")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("10.0.0.0/99");
    }
}
