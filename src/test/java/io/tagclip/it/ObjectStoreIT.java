package io.tagclip.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.tagclip.avro.FailureReason;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.avro.Tag;
import io.tagclip.testing.LocalStack;
import io.tagclip.testing.S3Server;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The packaged service reads {@code s3://} references from a real S3-compatible server (s3proxy), configured as an
 * operator would (endpoint, path style, allowed buckets; credentials and region through the AWS SDK's default chain,
 * here its system properties): the object is tagged with exactly the scores of the same bytes over http and its
 * event names the object's ETag and the bytes' SHA-256; a missing key and a bucket off the allow-list are dead
 * letters with their reasons.
 */
class ObjectStoreIT {

    private static final Path PHOTO = Path.of("src/test/resources/tagclip-tiny/images/chelsea_small.png");

    private final LocalStack stack = LocalStack.get();

    @Test
    void shouldTagAnS3ObjectAsTheSameBytesOverHttp() throws Exception {
        byte[] photo = Files.readAllBytes(PHOTO);
        S3Server s3 = S3Server.get();
        s3.put("ingest", "photos/chelsea.png", photo);
        s3.createBucket("elsewhere");
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/chelsea.png", exchange -> {
            exchange.sendResponseHeaders(200, photo.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(photo);
            }
        });
        http.start();
        ItSupport.Topics topics = ItSupport.Topics.fresh(stack, "objects", 1);
        List<ImageRef> refs = List.of(
                ItSupport.ref(
                        "over-http", "http://127.0.0.1:" + http.getAddress().getPort() + "/chelsea.png"),
                ItSupport.ref("from-s3", "s3://ingest/photos/chelsea.png"),
                ItSupport.ref("missing", "s3://ingest/photos/none.png"),
                ItSupport.ref("not-allowed", "s3://elsewhere/photos/chelsea.png"));

        try (PackagedService service = PackagedService.named("object-store-it")
                .on(stack, topics, "objects-it-" + UUID.randomUUID().toString().substring(0, 8))
                .set("tagger.fetch.s3.endpoint", s3.endpoint())
                .set("tagger.fetch.s3.path-style", "true")
                .set("tagger.fetch.s3.allowed-buckets", "ingest")
                .set("aws.region", S3Server.REGION)
                .set("aws.accessKeyId", S3Server.ACCESS_KEY)
                .set("aws.secretAccessKey", S3Server.SECRET_KEY)
                .start()) {
            ItSupport.produce(stack, topics.input(), refs, List.of());
            List<ConsumerRecord<String, SpecificRecord>> outputs = ItSupport.readCommitted(
                    stack,
                    List.of(topics.output(), topics.dlq()),
                    Duration.ofSeconds(240),
                    Duration.ofSeconds(2),
                    got -> got.size() >= refs.size());

            assertThat(outputs)
                    .as("one output per input; service log: target/object-store-it.log")
                    .hasSize(refs.size());
            Map<String, ImageTags> tagged = outputs.stream()
                    .map(ConsumerRecord::value)
                    .filter(ImageTags.class::isInstance)
                    .map(ImageTags.class::cast)
                    .collect(Collectors.toMap(ImageTags::getId, Function.identity()));
            assertThat(tagged).containsOnlyKeys("over-http", "from-s3");
            ImageTags fromS3 = tagged.get("from-s3");
            ImageTags overHttp = tagged.get("over-http");
            assertThat(scores(fromS3)).isNotEmpty().isEqualTo(scores(overHttp));
            String sha256 = HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(photo));
            assertThat(fromS3.getSource().getSha256()).isEqualTo(sha256);
            assertThat(overHttp.getSource().getSha256()).isEqualTo(sha256);
            assertThat(fromS3.getSource().getEtag()).as("the object's ETag").isNotBlank();

            Map<String, ImageTagFailure> failed = outputs.stream()
                    .map(ConsumerRecord::value)
                    .filter(ImageTagFailure.class::isInstance)
                    .map(ImageTagFailure.class::cast)
                    .collect(Collectors.toMap(f -> String.valueOf(f.getId()), Function.identity()));
            assertThat(failed.get("missing").getReason()).isEqualTo(FailureReason.NOT_FOUND);
            ImageTagFailure refused = failed.get("not-allowed");
            assertThat(refused.getReason()).isEqualTo(FailureReason.UNKNOWN);
            assertThat(refused.getReasonName()).isEqualTo("BUCKET_NOT_ALLOWED");
            assertThat(refused.getMessage()).contains("bucket elsewhere", "tagger.fetch.s3.allowed-buckets");
        } finally {
            http.stop(0);
        }
    }

    private static Map<String, Float> scores(ImageTags tags) {
        return tags.getTags().stream().collect(Collectors.toMap(Tag::getLabel, Tag::getScore));
    }
}
