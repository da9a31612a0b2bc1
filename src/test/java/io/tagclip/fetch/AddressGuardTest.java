package io.tagclip.fetch;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tagclip.fetch.FetchException.Reason;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
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
