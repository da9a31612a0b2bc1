package io.tagclip.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tagclip.fetch.FetchException.Reason;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Object URIs: what is bucket, account, container, key and version; what is refused; what allow-lists accept. */
class ObjectLocationTest {

    @Test
    void shouldSplitAnS3UriIntoBucketKeyAndVersion() throws FetchException {
        ObjectLocation l = ObjectLocation.bucketAndKey(URI.create("s3://media-in/2024/05/cat%20one.jpg?versionId=abc"));

        assertThat(l.account()).isNull();
        assertThat(l.container()).isEqualTo("media-in");
        assertThat(l.key()).isEqualTo("2024/05/cat one.jpg");
        assertThat(l.versionId()).isEqualTo("abc");
        assertThat(l.qualifiedContainer()).isEqualTo("media-in");
    }

    @Test
    void shouldSplitAnAzureUriIntoAccountContainerAndBlob() throws FetchException {
        ObjectLocation l = ObjectLocation.accountContainerAndKey(URI.create("az://acct/images/a/b.png"));

        assertThat(l.account()).isEqualTo("acct");
        assertThat(l.container()).isEqualTo("images");
        assertThat(l.key()).isEqualTo("a/b.png");
        assertThat(l.versionId()).isNull();
        assertThat(l.qualifiedContainer()).isEqualTo("acct/images");
    }

    @Test
    void shouldRefuseUrisThatNameNoObject() {
        for (String uri : List.of(
                "s3://bucket",
                "s3://bucket/",
                "s3:///key",
                "s3://user@bucket/key",
                "s3://bucket/key?acl",
                "s3://bucket/key?versionId=a&x=1",
                "s3://bucket/key#frag",
                "s3:bucket/key")) {
            assertThatThrownBy(() -> ObjectLocation.bucketAndKey(URI.create(uri)))
                    .as(uri)
                    .isInstanceOf(FetchException.class)
                    .extracting(e -> ((FetchException) e).reason())
                    .isEqualTo(Reason.UNSUPPORTED_SCHEME);
        }
        for (String uri : List.of("az://acct/container", "az://acct/container/", "az://acct//blob")) {
            assertThatThrownBy(() -> ObjectLocation.accountContainerAndKey(URI.create(uri)))
                    .as(uri)
                    .isInstanceOf(FetchException.class);
        }
    }

    @Test
    void shouldAllowOnlyWhatTheListNames() throws FetchException {
        ObjectLocation media = ObjectLocation.bucketAndKey(URI.create("s3://media/x"));
        ObjectLocation other = ObjectLocation.bucketAndKey(URI.create("s3://other/x"));

        assertThat(new ContainerAllowList("k", List.of(), false).allows(media)).isFalse();
        assertThat(new ContainerAllowList("k", List.of(" media ", ""), false).allows(media))
                .isTrue();
        assertThat(new ContainerAllowList("k", List.of("media"), false).allows(other))
                .isFalse();
        assertThat(new ContainerAllowList("k", List.of("*"), false).allows(other))
                .isTrue();
    }

    @Test
    void shouldAllowAzureContainersOnlyWithTheirAccount() throws FetchException {
        ContainerAllowList list = new ContainerAllowList("k", List.of("acct/images", "shared/*"), true);

        assertThat(list.allows(ObjectLocation.accountContainerAndKey(URI.create("az://acct/images/x"))))
                .isTrue();
        assertThat(list.allows(ObjectLocation.accountContainerAndKey(URI.create("az://ACCT/images/x"))))
                .isTrue();
        assertThat(list.allows(ObjectLocation.accountContainerAndKey(URI.create("az://evil/images/x"))))
                .isFalse();
        assertThat(list.allows(ObjectLocation.accountContainerAndKey(URI.create("az://shared/any/x"))))
                .isTrue();
    }

    @Test
    void shouldRefuseMalformedEntriesNamingTheSetting() {
        assertThatThrownBy(
                        () -> new ContainerAllowList("tagger.fetch.azure.allowed-containers", List.of("images"), true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tagger.fetch.azure.allowed-containers")
                .hasMessageContaining("account/container");
        assertThatThrownBy(() -> new ContainerAllowList("k", List.of("*/images"), true))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ContainerAllowList("k", List.of("a/b"), false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ContainerAllowList("k", List.of("media-*"), false))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldStripQuotesAndTheWeakMarkerFromEtags() {
        assertThat(ObjectInfo.plainEtag("\"abc\"")).isEqualTo("abc");
        assertThat(ObjectInfo.plainEtag("W/\"abc\"")).isEqualTo("abc");
        assertThat(ObjectInfo.plainEtag("0x8DC")).isEqualTo("0x8DC");
        assertThat(ObjectInfo.plainEtag("\"\"")).isNull();
        assertThat(ObjectInfo.plainEtag(null)).isNull();
    }
}
