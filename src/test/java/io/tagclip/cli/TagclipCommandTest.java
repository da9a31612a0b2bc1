package io.tagclip.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.tagclip.avro.FailureReason;
import io.tagclip.avro.ImageRef;
import io.tagclip.avro.ImageTagFailure;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

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
        assertThat(new ConsumeCommand.DurationConverter().convert("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThatThrownBy(() -> new ConsumeCommand.DurationConverter().convert("5y"))
                .hasMessageContaining("5y");
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
}
