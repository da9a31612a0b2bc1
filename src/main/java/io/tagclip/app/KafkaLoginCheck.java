package io.tagclip.app;

import io.quarkus.runtime.Quarkus;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.jboss.logging.Logger;

/**
 * Stops the service when the brokers refuse its login (a wrong SASL password, an unknown user, a TLS handshake the
 * truststore does not accept): one error line that names the brokers, the security protocol and the SASL mechanism,
 * then exit status {@value #EXIT_LOGIN_REFUSED}. Kafka's clients would otherwise retry for ever while the service
 * sits unready and the log fills with stack traces about topic names. Credentials do not fix themselves, so a
 * restart (a pod's crash loop, with the reason as its last line) says more than waiting.
 *
 * <p>Brokers that do not answer are an outage, not a refusal: the check then tries again, quietly, until they answer
 * one way or the other.
 */
@ApplicationScoped
public class KafkaLoginCheck {

    /** The exit status of a refused login (EX_CONFIG of sysexits.h: the configuration is wrong). */
    public static final int EXIT_LOGIN_REFUSED = 78;

    private static final Logger LOG = Logger.getLogger(KafkaLoginCheck.class);
    private static final Duration ATTEMPT = Duration.ofSeconds(10);
    private static final Duration PAUSE = Duration.ofSeconds(5);

    private volatile Thread thread;

    /** Starts the check when Quarkus has built the Kafka Streams client, on that client's own admin settings. */
    void onStreams(@Observes KafkaStreams created, StreamsConfig streamsConfig) {
        Map<String, Object> admin = streamsConfig.getAdminConfigs("tagger-login-check");
        Thread check = new Thread(() -> checkUntilAnswered(admin), "tagger-kafka-login-check");
        check.setDaemon(true);
        thread = check;
        check.start();
    }

    private void checkUntilAnswered(Map<String, Object> config) {
        while (!Thread.currentThread().isInterrupted()) {
            switch (attempt(config)) {
                case ANSWERED:
                    return;
                case REFUSED:
                    Quarkus.asyncExit(EXIT_LOGIN_REFUSED);
                    return;
                default:
                    try {
                        Thread.sleep(PAUSE.toMillis());
                    } catch (InterruptedException e) {
                        return;
                    }
            }
        }
    }

    /** What one connection attempt found. */
    enum Outcome {
        ANSWERED,
        REFUSED,
        NO_ANSWER
    }

    static Outcome attempt(Map<String, Object> config) {
        try {
            KafkaEnvironment.describeCluster(config, ATTEMPT);
            return Outcome.ANSWERED;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AuthenticationException refused) {
                LOG.error(KafkaEnvironment.loginRefused(config, refused)
                        + "; stopping (exit status " + EXIT_LOGIN_REFUSED + "): fix the credentials"
                        + " (KAFKA_SASL_JAAS_CONFIG, kafka-streams.sasl.jaas.config) or the truststore");
                return Outcome.REFUSED;
            }
            LOG.debugf("Kafka login check: no answer yet: %s", e.getCause());
            return Outcome.NO_ANSWER;
        } catch (TimeoutException e) {
            return Outcome.NO_ANSWER;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.NO_ANSWER;
        } catch (RuntimeException e) {
            // a configuration Kafka cannot build a client from: Kafka Streams itself reports it
            LOG.debugf("Kafka login check: no client: %s", e);
            return Outcome.ANSWERED;
        }
    }

    @PreDestroy
    void stop() {
        Thread check = thread;
        if (check != null) {
            check.interrupt();
        }
    }
}
