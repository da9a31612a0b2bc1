package io.tagclip.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.tagclip.avro.FailureReason;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.fetch.ImageLoader;
import io.tagclip.golden.TinyModel;
import io.tagclip.image.RgbImage;
import io.tagclip.pipeline.TaggingPipeline;
import io.tagclip.streams.FetchingBatchTagger;
import io.tagclip.streams.InferenceWorker;
import io.tagclip.streams.PlainAvroSerde;
import io.tagclip.streams.TaggerMetrics;
import io.tagclip.streams.TaggerTopology;
import io.tagclip.streams.TopologySettings;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service in reference mode with {@code tagger.model.max-first-pass-bytes} set, on the tiny model: a 12-megapixel
 * photo in a batch becomes one {@code TOO_LARGE} dead letter naming its estimate and the budget (the frozen enum's
 * own symbol, so every reader knows it), and its batch-mate is tagged. The pipeline is the one {@link PipelineProducer}
 * serves, behind the real topology, fetcher and inference worker.
 */
class TooLargeDeadLetterTest {

    /** "img://WxH" is a grey WxH image. */
    private static final ImageLoader LOADER = (uri, claimedType) -> {
        String[] size = uri.substring("img://".length()).split("x");
        int w = Integer.parseInt(size[0]);
        int h = Integer.parseInt(size[1]);
        byte[] pixels = new byte[w * h * 3];
        Arrays.fill(pixels, (byte) 128);
        return new RgbImage(w, h, pixels);
    };

    @TempDir
    static Path textCache;

    @Test
    void shouldDeadLetterAPhotoTooLargeForReferenceModeAndTagItsBatchMate() throws InterruptedException {
        TaggerConfig config = TaggerConfigs.of(Map.of(
                "tagger.model.vocabulary", "voc2007",
                "tagger.model.mode", "reference",
                "tagger.model.max-first-pass-bytes", "4294967296",
                "tagger.model.text-cache-dir", textCache.toString()));
        PlainAvroSerde<ImageRef> refSerde = new PlainAvroSerde<>(ImageRef.getClassSchema());
        PlainAvroSerde<ImageTags> tagsSerde = new PlainAvroSerde<>(ImageTags.getClassSchema());
        PlainAvroSerde<ImageTagFailure> failureSerde = new PlainAvroSerde<>(ImageTagFailure.getClassSchema());
        TaggerMetrics metrics = TaggerMetrics.noop();
        ExecutorService fetchPool = Executors.newFixedThreadPool(2);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "too-large-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        try (TaggingPipeline pipeline =
                        new PipelineProducer().pipeline(TinyModel.shared(), config, new TextFeatureStatus());
                InferenceWorker worker = new InferenceWorker(pipeline, 4, 16, Duration.ofSeconds(60), metrics);
                TopologyTestDriver driver = new TopologyTestDriver(
                        TaggerTopology.build(
                                TopologySettings.defaults(2, Duration.ofMillis(200)),
                                refSerde.deserializer(),
                                tagsSerde.serializer(),
                                failureSerde.serializer(),
                                new FetchingBatchTagger(LOADER, fetchPool, worker, metrics),
                                metrics),
                        props)) {
            TestInputTopic<String, byte[]> refs = driver.createInputTopic(
                    TaggerTopology.IMAGE_REFS,
                    Serdes.String().serializer(),
                    Serdes.ByteArray().serializer());
            TestOutputTopic<String, ImageTags> tags = driver.createOutputTopic(
                    TaggerTopology.IMAGE_TAGS, Serdes.String().deserializer(), tagsSerde.deserializer());
            TestOutputTopic<String, ImageTagFailure> dlq = driver.createOutputTopic(
                    TaggerTopology.IMAGE_REFS_DLQ, Serdes.String().deserializer(), failureSerde.deserializer());

            for (ImageRef ref : List.of(ref("phone", "img://4000x3000"), ref("small", "img://320x240"))) {
                refs.pipeInput(ref.getId(), refSerde.serializer().serialize(TaggerTopology.IMAGE_REFS, ref));
            }

            List<TestRecord<String, ImageTagFailure>> failures = dlq.readRecordsToList();
            assertThat(failures).extracting(TestRecord::key).containsExactly("phone");
            ImageTagFailure failure = failures.get(0).value();
            assertThat(failure.getReason()).isEqualTo(FailureReason.TOO_LARGE);
            assertThat(failure.getReasonName()).isEqualTo("TOO_LARGE");
            assertThat(failure.getAttempt()).isEqualTo(1);
            assertThat(failure.getMessage())
                    .contains("image 'phone' (4000x3000): too large for reference mode's first pass")
                    .contains("47,001 tokens", "4.0 GiB (4294967296 bytes)", "tagger.model.max-first-pass-bytes")
                    .contains("tagger.model.mode=throughput");
            assertThat(tags.readRecordsToList()).extracting(TestRecord::key).containsExactly("small");
        } finally {
            fetchPool.shutdownNow();
        }
    }

    private static ImageRef ref(String id, String uri) {
        return ImageRef.newBuilder()
                .setId(id)
                .setUri(uri)
                .setProducedAt(Instant.ofEpochMilli(1_700_000_000_000L))
                .setHeaders(Map.of())
                .build();
    }
}
