package io.tagclip.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * Amazon MSK's IAM login ({@code sasl.mechanism=AWS_MSK_IAM}) is on the class path and builds a Kafka client, and an
 * AWS SDK client built without an HTTP client (as its STS calls are) still finds one: the s3:// store's, the only one
 * left after the pom's exclusions.
 */
class MskIamAuthTest {

    /** The settings MSK's documentation gives for IAM access control. */
    static final Map<String, Object> MSK_IAM = Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
            "127.0.0.1:1",
            "security.protocol",
            "SASL_SSL",
            "sasl.mechanism",
            "AWS_MSK_IAM",
            "sasl.jaas.config",
            "software.amazon.msk.auth.iam.IAMLoginModule required;",
            "sasl.client.callback.handler.class",
            "software.amazon.msk.auth.iam.IAMClientCallbackHandler");

    @Test
    void shouldLoadTheIamLoginClasses() {
        assertThatCode(() -> {
                    Class.forName("software.amazon.msk.auth.iam.IAMLoginModule");
                    Class.forName("software.amazon.msk.auth.iam.IAMClientCallbackHandler");
                    Class.forName("software.amazon.msk.auth.iam.IAMOAuthBearerLoginCallbackHandler");
                })
                .doesNotThrowAnyException();
    }

    @Test
    void shouldBuildAKafkaClientWithIamLogin() {
        // no broker and no AWS call: the login happens at the first connection, not when the client is built
        try (Admin admin = Admin.create(Map.copyOf(MSK_IAM))) {
            assertThat(admin).isNotNull();
        }
    }

    @Test
    void shouldLeaveTheSdkAnHttpClient() {
        // an SDK client built without an HTTP client, as the default credentials chain builds its STS client
        try (StsClient sts = StsClient.builder()
                .region(Region.US_EAST_1)
                .credentialsProvider(AnonymousCredentialsProvider.create())
                .build()) {
            assertThat(sts.serviceClientConfiguration().region()).isEqualTo(Region.US_EAST_1);
        }
    }
}
