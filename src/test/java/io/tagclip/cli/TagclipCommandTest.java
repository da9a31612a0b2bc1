package io.tagclip.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tagclip.avro.FailureReason;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import io.tagclip.avro.KafkaHeader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.TypeConversionException;

class TagclipCommandTest {

    @Test
    void shouldPrintTheProjectVersionForTheRootAndTheServeCommand() {
        for (String[] args : List.of(new String[] {"--version"}, new String[] {"serve", "--version"})) {
            StringWriter out = new StringWriter();
            CommandLine cli = Main.commandLine();
            cli.setOut(new PrintWriter(out));

            assertThat(cli.execute(args)).isZero();
            assertThat(out.toString().strip()).matches("tagclip \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
        }
    }

    @Test
    void shouldDescribeTheServiceConfigurationInServeHelp() {
        StringWriter out = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));

        assertThat(cli.execute("serve", "--help")).isZero();
        assertThat(out.toString())
                .contains("bin/tagclip [serve] [-Dkey=value ...]", "KAFKA_BOOTSTRAP_SERVERS", "docs/configuration.md");
    }

    @Test
    void shouldBuildImageRefFromProduceOptions() {
        ParseResult parsed = new CommandLine(new TagclipCommand())
                .parseArgs(
                        "produce",
                        "--uri",
                        "https://example.com/cat.jpg",
                        "--id",
                        "cat-1",
                        "--labels",
                        "cat,dog",
                        "--vocabulary",
                        "coco2014",
                        "--header",
                        "trace=abc");
        ProduceCommand produce =
                (ProduceCommand) parsed.subcommand().commandSpec().userObject();

        ImageRef event = produce.event();

        assertThat(event.getId()).isEqualTo("cat-1");
        assertThat(event.getUri()).isEqualTo("https://example.com/cat.jpg");
        assertThat(event.getLabels()).containsExactly("cat", "dog");
        assertThat(event.getVocabularyId()).isEqualTo("coco2014");
        assertThat(event.getHeaders()).containsEntry("trace", "abc");
        assertThat(produce.topic).isEqualTo("image-refs");
        assertThat(produce.kafka.bootstrapServers).isNotBlank();
    }

    @Test
    void shouldDefaultConsumeToImageTagsWithTenSecondsOfQuiet() {
        ParseResult parsed =
                new CommandLine(new TagclipCommand()).parseArgs("consume", "--max", "3", "--timeout", "500ms");
        ConsumeCommand consume =
                (ConsumeCommand) parsed.subcommand().commandSpec().userObject();

        assertThat(consume.topic).isEqualTo("image-tags");
        assertThat(consume.max).isEqualTo(3);
        assertThat(consume.timeout).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void shouldReadDurationsAndRefuseWhatIsNoPositiveDurationQuotingIt() {
        ConsumeCommand.DurationConverter durations = new ConsumeCommand.DurationConverter();
        assertThat(durations.convert("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(durations.convert(" 1h ")).isEqualTo(Duration.ofHours(1));
        assertThat(durations.convert("PT0.5S")).isEqualTo(Duration.ofMillis(500));
        assertThat(durations.convert("pt10s")).isEqualTo(Duration.ofSeconds(10));
        for (String bad : new String[] {"5y", "abc", "s", "", "10", "1.5s"}) {
            assertThatThrownBy(() -> durations.convert(bad))
                    .as(bad)
                    .isInstanceOf(TypeConversionException.class)
                    .hasMessage("'" + bad + "' is not a duration (such as 500ms, 10s, 2m)");
        }
        assertThatThrownBy(() -> durations.convert("-5s")).hasMessage("'-5s' is not positive");
        assertThatThrownBy(() -> durations.convert("0ms")).hasMessage("'0ms' is not positive");
    }

    @Test
    void shouldListItsSubcommandsInHelp() {
        StringWriter help = new StringWriter();
        CommandLine cli = new CommandLine(new TagclipCommand()).setOut(new PrintWriter(help));

        int code = cli.execute("--help");

        assertThat(code).isZero();
        assertThat(help.toString()).contains("serve", "produce", "consume");
    }

    @Test
    void shouldPrintDeadLetterAsPlainJson() {
        ImageTagFailure failure = ImageTagFailure.newBuilder()
                .setReason(FailureReason.INVALID_EVENT)
                .setMessage("cannot parse")
                .setFailedAt(Instant.parse("2026-01-02T03:04:05Z"))
                .setSourcePartition(2)
                .setRawValue(ByteBuffer.wrap(new byte[] {1, 2, 3}))
                .build();

        JsonNode json = AvroJson.toJson(failure, failure.getSchema());

        assertThat(json.get("reason").asText()).isEqualTo("INVALID_EVENT");
        assertThat(json.get("failedAt").asText()).isEqualTo("2026-01-02T03:04:05Z");
        assertThat(json.get("sourcePartition").asInt()).isEqualTo(2);
        assertThat(json.get("rawValue").asText()).isEqualTo("AQID");
        assertThat(json.get("id").isNull()).isTrue();
        assertThat(json.get("headers").size()).isZero();
        assertThat(List.of(json.fieldNames().next())).containsExactly("id");
    }

    @Test
    void shouldReadBackTheDeadLetterItPrintsWithItsInputAndRecordHeaders() {
        ImageTagFailure failure = deadLetter();

        JsonNode json = AvroJson.toJson(failure, failure.getSchema());
        Object read = AvroJson.fromJson(json, failure.getSchema());

        assertThat(read).isEqualTo(failure);
        assertThat(json.get("input").get("vocabularyId").asText()).isEqualTo("pets");
        assertThat(json.get("recordHeaders").get(0).get("value").asText()).isEqualTo("AP8=");
        assertThat(json.get("recordHeaders").get(1).get("value").isNull()).isTrue();
    }

    @Test
    void shouldNameThePathOfAValueThatDoesNotFitTheSchema() {
        ImageTagFailure failure = deadLetter();
        JsonNode json = AvroJson.toJson(failure, failure.getSchema());
        ((ObjectNode) json.get("input")).put("producedAt", "yesterday");

        assertThatThrownBy(() -> AvroJson.fromJson(json, failure.getSchema()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("$.input.producedAt: expected ISO-8601 instant");
    }

    @Test
    void shouldTurnADeadLetterIntoItsInputRecordKeyedByIdWithItsHeaders() {
        ImageTagFailure failure = deadLetter();

        DeadLetterReplay.Entry entry = DeadLetterReplay.parse(
                3, AvroJson.toJson(failure, failure.getSchema()).toString(), "image-refs");

        assertThat(entry.skipped()).isNull();
        assertThat(entry.letter()).isEqualTo("image-refs-1@12 UNKNOWN_VOCABULARY");
        ProducerRecord<String, ImageRef> record = entry.record();
        assertThat(record.topic()).isEqualTo("image-refs");
        assertThat(record.key()).isEqualTo("cat-7");
        assertThat(record.value()).isEqualTo(failure.getInput());
        assertThat(record.headers().toArray()).extracting(h -> h.key()).containsExactly("traceparent", "empty");
        assertThat(record.headers().lastHeader("traceparent").value()).isEqualTo(new byte[] {0, (byte) 0xff});
        assertThat(record.headers().lastHeader("empty").value()).isNull();
    }

    @Test
    void shouldSkipDeadLettersWithoutAnInputNamingTheirLinesAndExitWithOne(@TempDir Path dir) throws Exception {
        ImageTagFailure unparseable = ImageTagFailure.newBuilder()
                .setReason(FailureReason.INVALID_EVENT)
                .setReasonName("INVALID_EVENT")
                .setMessage("cannot parse")
                .setFailedAt(Instant.EPOCH)
                .setRawValue(ByteBuffer.wrap(new byte[] {1}))
                .build();
        ObjectNode older =
                (ObjectNode) AvroJson.toJson(deadLetter(), deadLetter().getSchema());
        older.remove(List.of("input", "recordHeaders"));
        Path file = dir.resolve("dlq.jsonl");
        Files.writeString(
                file, AvroJson.toJson(unparseable, unparseable.getSchema()) + "\n\n" + older + "\nnot json\n");
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new TagclipCommand()).setErr(new PrintWriter(err));

        int code = cli.execute("produce", "--from-dead-letter", file.toString(), "--bootstrap-servers", "nowhere:1");

        assertThat(code).isEqualTo(1);
        assertThat(err.toString())
                .contains("line 1 (?-?@? INVALID_EVENT): skipped, its input could not be parsed")
                .contains("line 3 (image-refs-1@12 UNKNOWN_VOCABULARY): skipped, written before dead letters kept")
                .contains("line 4 (?): skipped, not JSON")
                .contains("replayed 0 of 3 dead letters");
    }

    @Test
    void shouldRefuseAReplayMixedWithTheOptionsOfANewEventAndAProduceWithNeither(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("dlq.jsonl"), "");
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new TagclipCommand()).setErr(new PrintWriter(err));

        assertThat(cli.execute("produce", "--from-dead-letter", file.toString(), "--vocabulary", "pets"))
                .isEqualTo(2);
        assertThat(cli.execute("produce")).isEqualTo(2);
        assertThat(err.toString())
                .contains("--vocabulary")
                .contains("do not go with it")
                .contains("Give --uri (a new event) or --from-dead-letter FILE (a replay)");
    }

    private static ImageTagFailure deadLetter() {
        ImageRef input = ImageRef.newBuilder()
                .setId("cat-7")
                .setUri("https://example.com/cat.jpg")
                .setContentType("image/jpeg")
                .setVocabularyId("pets")
                .setLabels(List.of("cat", "dog"))
                .setProducedAt(Instant.parse("2026-01-02T03:04:05.678Z"))
                .setHeaders(Map.of("tenant", "acme"))
                .build();
        return ImageTagFailure.newBuilder()
                .setId("cat-7")
                .setUri(input.getUri())
                .setReason(FailureReason.UNKNOWN_VOCABULARY)
                .setReasonName("UNKNOWN_VOCABULARY")
                .setMessage("unknown vocabulary pets")
                .setFailedAt(Instant.parse("2026-01-02T03:04:06Z"))
                .setSourceTopic("image-refs")
                .setSourcePartition(1)
                .setSourceOffset(12L)
                .setHeaders(Map.of("tenant", "acme"))
                .setInput(input)
                .setRecordHeaders(List.of(
                        new KafkaHeader("traceparent", ByteBuffer.wrap(new byte[] {0, (byte) 0xff})),
                        new KafkaHeader("empty", null)))
                .build();
    }
}
