package io.tagclip.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.tagclip.avro.FailureReason;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.streams.FakePipeline;
import io.tagclip.testing.LocalStack;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/**
 * N references, good and bad, through the real topology on a real broker and registry: exactly N committed
 * outputs across image-tags and image-refs-dlq, each with the right reason.
 */
class ExactlyOneOutputIT {

    private final LocalStack stack = LocalStack.get();

    @Test
    void shouldPublishExactlyOneOutputPerInputIncludingBadOnes() throws Exception {
        ItSupport.Topics topics = ItSupport.Topics.fresh(stack, "eo", 2);
        HttpServer images = ItSupport.imageServer();
        List<ImageRef> refs = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            refs.add(ItSupport.ref("good-" + i, ItSupport.url(images, "/img/" + (10 + i) + "x7.png")));
        }
        refs.add(ItSupport.ref("unreachable", "http://127.0.0.1:1/nothing-listens-here.png"));
        refs.add(ItSupport.ref("unknown-host", "http://no-such-host.invalid/a.png"));
        refs.add(ItSupport.ref("blocked", "http://169.254.169.254/latest/meta-data/"));
        refs.add(ItSupport.ref("private", "http://10.1.2.3/a.png"));
        refs.add(ItSupport.ref("not-an-image", ItSupport.url(images, "/text")));
        refs.add(ItSupport.ref("ftp", "ftp://example.com/a.png"));
        List<byte[]> malformed = List.of(new byte[] {0, 0, 0, 0, 99, 1}, "plain text".getBytes());
        int n = refs.size() + malformed.size();

        try (InProcessTagger tagger = InProcessTagger.start(
                stack, topics, new FakePipeline(), 8, Map.of(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 2))) {
            ItSupport.produce(stack, topics.input(), refs, malformed);

            List<ConsumerRecord<String, SpecificRecord>> outputs = ItSupport.readCommitted(
                    stack,
                    List.of(topics.output(), topics.dlq()),
                    Duration.ofSeconds(90),
                    Duration.ofSeconds(3),
                    got -> got.size() >= n);

            assertThat(outputs).hasSize(n);
            Map<String, FailureReason> reasons = outputs.stream()
                    .filter(r -> r.value() instanceof ImageTagFailure f && f.getReason() != FailureReason.INVALID_EVENT)
                    .collect(Collectors.toMap(r -> r.key(), r -> ((ImageTagFailure) r.value()).getReason()));
            assertThat(reasons)
                    .containsExactlyInAnyOrderEntriesOf(Map.of(
                            "unreachable", FailureReason.HTTP_ERROR,
                            "unknown-host", FailureReason.NOT_FOUND,
                            "blocked", FailureReason.BLOCKED_ADDRESS,
                            "private", FailureReason.BLOCKED_ADDRESS,
                            "not-an-image", FailureReason.UNSUPPORTED_FORMAT,
                            "ftp", FailureReason.UNSUPPORTED_SCHEME));
            assertThat(outputs.stream()
                            .filter(r -> r.value() instanceof ImageTagFailure f
                                    && f.getReason() == FailureReason.INVALID_EVENT))
                    .hasSize(malformed.size())
                    .allSatisfy(
                            r -> { // an unparseable record's dead letter carries its Kafka key as the id
                                assertThat(r.key()).isEqualTo("malformed");
                                assertThat(((ImageTagFailure) r.value()).getId())
                                        .isEqualTo("malformed");
                            });
            assertThat(outputs.stream()
                            .filter(r -> r.value() instanceof ImageTags)
                            .map(r -> r.key()))
                    .hasSize(30)
                    .doesNotHaveDuplicates()
                    .allMatch(id -> id.startsWith("good-"));
            assertThat(tagger.state()).isEqualTo(KafkaStreams.State.RUNNING); // bad input stopped nothing
        } finally {
            images.stop(0);
        }
    }
}
