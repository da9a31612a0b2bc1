package io.tagclip.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.tagclip.avro.FailureReason;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.ImageTags;
import io.tagclip.avro.Tag;
import io.tagclip.cli.Main;
import io.tagclip.testing.LocalStack;
import io.tagclip.vocab.Vocabulary;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Two packaged services (tiny model) in one consumer group follow one vocabularies topic: a vocabulary put with
 * {@code tagclip vocab put} while they run is served by both without a restart, with the same scores from either; a
 * changed file's later results carry the new version; after {@code vocab rm} its events are UNKNOWN_VOCABULARY dead
 * letters. Events produced right after {@code vocab put} returns are never refused: they wait for the vocabulary.
 */
class FleetVocabulariesIT {

    private static final int PARTITIONS = 2;
    private static final int PER_ROUND = 8;

    private final LocalStack stack = LocalStack.get();

    @Test
    void shouldServeAVocabularyPutAtRunTimeOnEveryInstanceAndFollowItsChangesAndRemoval() throws Exception {
        ItSupport.Topics topics = ItSupport.Topics.fresh(stack, "fleet", PARTITIONS);
        String vocabularies =
                "fleet-vocabularies-" + UUID.randomUUID().toString().substring(0, 8);
        createCompacted(vocabularies);
        String applicationId = "fleet-it-" + UUID.randomUUID().toString().substring(0, 8);
        HttpServer images = ItSupport.imageServer();
        Path dir = Files.createTempDirectory("fleet-it");
        Path pets = dir.resolve("pets.txt");
        Path cache = Files.createTempDirectory("fleet-it-cache"); // shared by both, empty: every vocabulary is embedded
        PackagedService a = null;
        PackagedService b = null;
        try {
            a = start(topics, applicationId, vocabularies, "a", cache);
            b = start(topics, applicationId, vocabularies, "b", cache);
            awaitReady(a);
            awaitReady(b);

            // 1. put, then events at once: none refused, all tagged with the new vocabulary on both instances
            Files.writeString(pets, "cat\ndog\tprompt=dog;puppy\nperson\ncar\nbackground: sky\n");
            String v1 = Vocabulary.load(pets).version();
            assertThat(cli("vocab", "put", "--topic", vocabularies, pets.toString()))
                    .contains("put pets version " + v1);
            List<ConsumerRecord<String, SpecificRecord>> round1 = round(images, topics, "one", "pets");
            assertThat(round1).extracting(ConsumerRecord::value).hasOnlyElementsOfType(ImageTags.class);
            assertThat(round1)
                    .extracting(r -> ((ImageTags) r.value()).getVocabularyVersion())
                    .containsOnly(v1);
            assertThat(round1).extracting(ConsumerRecord::partition).containsOnly(0, 1);
            assertSameTags(round1);
            assertThat(taggedCount(a)).as("instance a tagged some").isPositive();
            assertThat(taggedCount(b)).as("instance b tagged some").isPositive();
            assertThat(readiness(a)).contains("\"vocabulary.pets\":\"ready " + v1);

            // extra labels: scored beside the vocabulary, results still name it; past the limit refused by name
            ImageRef open = ItSupport.ref("open-ok", ItSupport.url(images, "/img/40x30.png"));
            open.setVocabularyId("pets");
            open.setExtraLabels(List.of("zebra", "kite"));
            ImageRef tooMany = ItSupport.ref("open-too-many", ItSupport.url(images, "/img/40x30.png"));
            tooMany.setExtraLabels(Collections.nCopies(17, "zebra"));
            ItSupport.produce(stack, topics.input(), List.of(open, tooMany), List.of());
            List<ConsumerRecord<String, SpecificRecord>> opened = outputs(topics, "open-", 2);
            assertThat(opened).hasSize(2);
            for (ConsumerRecord<String, SpecificRecord> r : opened) {
                if (r.value() instanceof ImageTags tags) {
                    assertThat(tags.getId()).isEqualTo("open-ok");
                    assertThat(tags.getVocabularyVersion()).isEqualTo(v1);
                    assertThat(tags.getTags())
                            .allSatisfy(t -> assertThat(t.getAdHoc())
                                    .isEqualTo(List.of("zebra", "kite").contains(t.getLabel())));
                } else {
                    ImageTagFailure failure = (ImageTagFailure) r.value();
                    assertThat(failure.getId()).isEqualTo("open-too-many");
                    assertThat(failure.getReason()).isEqualTo(FailureReason.INVALID_EVENT);
                    assertThat(failure.getMessage()).contains("tagger.limits.max-extra-labels");
                }
            }

            // 2. events sent while a large vocabulary is embedded wait for it, and are all tagged once
            Path large = dir.resolve("large.txt");
            Files.writeString(large, largeVocabulary());
            cli("vocab", "put", "--topic", vocabularies, large.toString());
            awaitReadiness(a, body -> body.contains("\"vocabulary.large\":\"embedding"));
            List<ConsumerRecord<String, SpecificRecord>> held = round(images, topics, "held", "large");
            assertThat(held).extracting(ConsumerRecord::value).hasOnlyElementsOfType(ImageTags.class);
            assertThat(held)
                    .extracting(r -> ((ImageTags) r.value()).getVocabularyVersion())
                    .containsOnly(Vocabulary.load(large).version());
            assertSameTags(held);

            // 3. a changed file: once both instances serve it, results carry the new version
            Files.writeString(pets, "cat\ndog\tprompt=dog;puppy\nperson\ncar\nbird\tthreshold=0.5\n");
            String v2 = Vocabulary.load(pets).version();
            assertThat(v2).isNotEqualTo(v1);
            cli("vocab", "put", "--topic", vocabularies, pets.toString());
            awaitReadiness(a, body -> body.contains("\"vocabulary.pets\":\"ready " + v2 + "\""));
            awaitReadiness(b, body -> body.contains("\"vocabulary.pets\":\"ready " + v2 + "\""));
            List<ConsumerRecord<String, SpecificRecord>> round2 = round(images, topics, "two", "pets");
            assertThat(round2)
                    .extracting(r -> ((ImageTags) r.value()).getVocabularyVersion())
                    .containsOnly(v2);
            assertSameTags(round2);
            assertThat(cli("vocab", "list", "--topic", vocabularies)).contains("pets", v2, "bird");

            // 4. removed: later events are UNKNOWN_VOCABULARY dead letters
            assertThat(cli("vocab", "rm", "--topic", vocabularies, "pets")).contains("removed pets");
            awaitReadiness(a, body -> !body.contains("vocabulary.pets"));
            awaitReadiness(b, body -> !body.contains("vocabulary.pets"));
            List<ConsumerRecord<String, SpecificRecord>> round3 = round(images, topics, "three", "pets");
            assertThat(round3).extracting(ConsumerRecord::value).hasOnlyElementsOfType(ImageTagFailure.class);
            assertThat(round3)
                    .extracting(r -> ((ImageTagFailure) r.value()).getReason())
                    .containsOnly(FailureReason.UNKNOWN_VOCABULARY);
            assertThat(cli("vocab", "list", "--topic", vocabularies)).doesNotContain("pets");
        } finally {
            for (PackagedService service : new PackagedService[] {a, b}) {
                if (service != null) {
                    service.kill();
                }
            }
            images.stop(0);
        }
    }

    @Test
    void shouldDeadLetterEventsHeldLongerThanMaxHold() throws Exception {
        ItSupport.Topics topics = ItSupport.Topics.fresh(stack, "hold", 1);
        String vocabularies =
                "hold-vocabularies-" + UUID.randomUUID().toString().substring(0, 8);
        createCompacted(vocabularies);
        HttpServer images = ItSupport.imageServer();
        Path large = Files.createTempDirectory("hold-it").resolve("slow.txt");
        Files.writeString(large, largeVocabulary());
        try (PackagedService service = PackagedService.named("fleet-it-hold")
                .on(stack, topics, "hold-it-" + UUID.randomUUID().toString().substring(0, 8))
                .shortTimeouts()
                .httpPort()
                .set("tagger.vocabularies.topic", vocabularies)
                .set("tagger.vocabularies.max-hold", "500ms")
                .set("quarkus.log.console.json.enabled", true) // and the JSON log switch, checked below
                .set("tagger.model.text-cache-dir", Files.createTempDirectory("hold-it-cache"))
                .start()) {
            awaitReady(service);
            cli("vocab", "put", "--topic", vocabularies, large.toString());
            awaitReadiness(service, body -> body.contains("\"vocabulary.slow\":\"embedding"));
            List<ConsumerRecord<String, SpecificRecord>> late = round(images, topics, "late", "slow");
            assertThat(readiness(service)).as("still embedding").contains("\"vocabulary.slow\":\"embedding");

            assertThat(late).extracting(ConsumerRecord::value).hasOnlyElementsOfType(ImageTagFailure.class);
            for (ConsumerRecord<String, SpecificRecord> r : late) {
                ImageTagFailure failure = (ImageTagFailure) r.value();
                assertThat(failure.getReasonName()).isEqualTo("VOCABULARY_NOT_READY");
                assertThat(failure.getMessage()).contains("'slow'", "tagger.vocabularies.max-hold");
                assertThat(failure.getInput().getVocabularyId()).isEqualTo("slow");
            }
            assertJsonLog(Path.of("target", "fleet-it-hold.log"));
        } finally {
            images.stop(0);
        }
    }

    /**
     * With {@code quarkus.log.console.json.enabled}, the service logs one JSON object per line, the image id of a dead
     * letter in its MDC.
     */
    private static void assertJsonLog(Path log) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> records = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            if (line.startsWith("{")) {
                records.add(json.readTree(line)); // throws on a line that is not one JSON object
            }
        }
        assertThat(records).as("JSON log records in %s", log).hasSizeGreaterThan(20);
        assertThat(records)
                .allSatisfy(r -> assertThat(r.has("level") && r.has("message") && r.has("loggerName"))
                        .isTrue());
        assertThat(records).anySatisfy(r -> {
            assertThat(r.path("message").asText()).contains("dead letter VOCABULARY_NOT_READY");
            assertThat(r.path("mdc").path("imageId").asText()).startsWith("late-");
        });
    }

    /** A vocabulary whose embedding takes seconds even on the tiny model (300 names, 85 prompts each). */
    private static String largeVocabulary() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            sb.append("object number ").append(i).append('\n');
        }
        return sb.toString();
    }

    /** Produces {@link #PER_ROUND} events of one image naming {@code vocabulary}; their outputs, one per event. */
    private List<ConsumerRecord<String, SpecificRecord>> round(
            HttpServer images, ItSupport.Topics topics, String round, String vocabulary) {
        List<ImageRef> refs = new ArrayList<>();
        for (int i = 0; i < PER_ROUND; i++) {
            ImageRef ref = ItSupport.ref(round + "-" + i, ItSupport.url(images, "/img/40x30.png"));
            ref.setVocabularyId(vocabulary);
            refs.add(ref);
        }
        ItSupport.produce(stack, topics.input(), refs, List.of());
        List<ConsumerRecord<String, SpecificRecord>> outputs = outputs(topics, round + "-", PER_ROUND);
        assertThat(outputs).as("one output per event of round %s", round).hasSize(PER_ROUND);
        assertThat(outputs.stream().map(r -> ItSupport.idOf(r.value())).distinct())
                .hasSize(PER_ROUND);
        return outputs;
    }

    /** The committed outputs (tags or dead letters) of the events whose id starts with {@code prefix}, once {@code count}. */
    private List<ConsumerRecord<String, SpecificRecord>> outputs(ItSupport.Topics topics, String prefix, int count) {
        Predicate<ConsumerRecord<String, SpecificRecord>> ours =
                r -> ItSupport.idOf(r.value()).startsWith(prefix);
        return ItSupport.readCommitted(
                        stack,
                        List.of(topics.output(), topics.dlq()),
                        Duration.ofSeconds(90),
                        Duration.ofSeconds(2),
                        got -> got.stream().filter(ours).count() >= count)
                .stream()
                .filter(ours)
                .toList();
    }

    /** The same image: the same labels and scores (within 1e-6) whichever instance tagged it. */
    private static void assertSameTags(List<ConsumerRecord<String, SpecificRecord>> outputs) {
        List<Tag> first = ((ImageTags) outputs.get(0).value()).getTags();
        assertThat(first).isNotEmpty();
        for (ConsumerRecord<String, SpecificRecord> r : outputs) {
            List<Tag> tags = ((ImageTags) r.value()).getTags();
            assertThat(tags)
                    .extracting(Tag::getLabel)
                    .isEqualTo(first.stream().map(Tag::getLabel).toList());
            for (int i = 0; i < tags.size(); i++) {
                float score = tags.get(i).getScore();
                assertThat(Float.isFinite(score)).isTrue();
                assertThat((double) Math.abs(score - first.get(i).getScore()))
                        .as("score of %s", tags.get(i).getLabel())
                        .isLessThanOrEqualTo(1e-6);
            }
        }
    }

    private PackagedService start(
            ItSupport.Topics topics, String applicationId, String vocabularies, String name, Path textCache)
            throws Exception {
        return PackagedService.named("fleet-it-" + name)
                .on(stack, topics, applicationId)
                .shortTimeouts()
                .httpPort()
                .set("tagger.vocabularies.topic", vocabularies)
                .set("tagger.model.text-cache-dir", textCache)
                .set("kafka-streams.state.dir", Files.createTempDirectory("fleet-it-" + name))
                .start();
    }

    private void createCompacted(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1)
                            .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))))
                    .all()
                    .get();
        }
    }

    /** Runs the command line in-process against the local stack; its stdout, after checking the exit code is 0. */
    private String cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--bootstrap-servers", stack.bootstrapServers(), "--registry-url", stack.registryUrl()));
        int code = cli.execute(all.toArray(String[]::new));
        assertThat(code).as("tagclip %s: %s", String.join(" ", args), err).isZero();
        return out.toString();
    }

    private static void awaitReady(PackagedService service) throws Exception {
        awaitReadiness(
                service,
                body -> body.startsWith("{") && body.contains("\"status\": \"UP\"")
                        || body.contains("\"status\":\"UP\""));
    }

    /** Polls the readiness endpoint until its body matches (and the status is 200). */
    private static void awaitReadiness(PackagedService service, Predicate<String> condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        String body = "";
        while (System.nanoTime() < deadline) {
            assertThat(service.process().isAlive()).as("service alive").isTrue();
            HttpResponse<String> response = get(service, "/q/health/ready");
            body = response == null ? "" : response.body().replace("\": \"", "\":\"");
            if (response != null && response.statusCode() == 200 && condition.test(body)) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("readiness never matched within 120 s; last: " + body);
    }

    private static String readiness(PackagedService service) {
        HttpResponse<String> response = get(service, "/q/health/ready");
        return response == null ? "" : response.body().replace("\": \"", "\":\"");
    }

    private static double taggedCount(PackagedService service) {
        HttpResponse<String> response = get(service, "/q/metrics");
        assertThat(response).isNotNull();
        return response.body()
                .lines()
                .filter(line -> line.startsWith("tagger_images_total{") && line.contains("result=\"tagged\""))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }

    private static HttpResponse<String> get(PackagedService service, String path) {
        try {
            return HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(service.baseUrl() + path))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            return null;
        }
    }
}
