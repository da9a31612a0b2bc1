package io.tagclip.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each misconfiguration the service used to find late or ignore, and the one line it now prints for it. */
class ConfigCheckTest {

    private static List<String> problems(Map<String, String> properties) {
        Map<String, String> all = new HashMap<>(properties);
        all.putIfAbsent("tagger.model.vocabulary", "voc2007");
        return ConfigCheck.problems(TaggerConfigs.of(all), key -> Optional.ofNullable(all.get(key)));
    }

    @Test
    void shouldAcceptTheDefaults() {
        assertThat(problems(Map.of())).isEmpty();
    }

    @Test
    void shouldNameAnUnknownMethodModeVocabularyAndGuarantee() {
        assertThat(problems(Map.of(
                        "tagger.model.method", "tagklip",
                        "tagger.model.mode", "fast",
                        "tagger.model.vocabulary", "voc2012",
                        "tagger.processing-guarantee", "exactly_once")))
                .hasSize(4)
                .anySatisfy(line -> assertThat(line).startsWith("tagger.model.method=tagklip: unknown method"))
                .anySatisfy(line -> assertThat(line).startsWith("tagger.model.mode=fast: unknown mode"))
                .anySatisfy(line -> assertThat(line).startsWith("tagger.model.vocabulary=voc2012: "))
                .anySatisfy(line -> assertThat(line)
                        .isEqualTo("tagger.processing-guarantee=exactly_once: unknown guarantee (known: "
                                + "at_least_once, exactly_once_v2)"));
    }

    @Test
    void shouldRefuseAFirstPassBudgetThatIsNeitherBytesNorAPercentage() {
        assertThat(problems(Map.of("tagger.model.max-first-pass-bytes", "8g")))
                .containsExactly("tagger.model.max-first-pass-bytes=8g: '8g' is neither a positive number of bytes nor"
                        + " a percentage in (0%, 100%] of the memory left for tensors (such as 50%)");
        assertThat(problems(Map.of("tagger.model.max-first-pass-bytes", "4294967296")))
                .isEmpty();
        assertThat(TaggerConfigs.of(Map.of()).model().maxFirstPassBytes()).isEqualTo("50%");
    }

    @Test
    void shouldRefuseADurationWithoutAUnit() {
        assertThat(problems(Map.of("tagger.batch.max-wait", "200")))
                .containsExactly("tagger.batch.max-wait=200: a duration needs a unit (200ms or 200s); a bare number "
                        + "would mean seconds");
    }

    @Test
    void shouldFindEveryDurationKeyOfTheMapping() {
        assertThat(ConfigCheck.durationKeys())
                .contains(
                        "tagger.batch.max-wait",
                        "tagger.batch.inference-timeout",
                        "tagger.fetch.connect-timeout",
                        "tagger.registry.max-backoff");
    }

    /** Numbers any value of which is valid. */
    private static final Set<String> UNBOUNDED = Set.of("tagger.online.seed");

    @Test
    void shouldRefuseEveryNumberAndDurationOutOfItsBoundsNamingTheKey() {
        List<String> numbers = ConfigCheck.keys(
                type -> type == int.class || type == long.class || type == double.class || type == float.class);
        assertThat(numbers)
                .contains("tagger.stream-threads", "tagger.online.sample-rate", "tagger.ui.max-upload-bytes");
        numbers.stream()
                .filter(key -> !UNBOUNDED.contains(key))
                .forEach(key -> assertThat(problems(Map.of(key, "-1")))
                        .as(key)
                        .anyMatch(problem -> problem.startsWith(key + "=-1")));
        ConfigCheck.durationKeys()
                .forEach(key -> assertThat(problems(Map.of(key, "-1s")))
                        .as(key)
                        .anyMatch(problem -> problem.startsWith(key + "=PT-1S: must")));
    }

    @Test
    void shouldRefuseAnEnvironmentVariableThatSetsNothingSuggestingTheNearestSetting() {
        assertThat(ConfigCheck.unknownVariables(List.of(
                        "TAGGER_BATCH_MAXSIZE",
                        "TAGGER_BATCH_MAX_SIZE",
                        "TAGGER_FETCH_S3_ALLOWED_BUCKETS",
                        "TAGGER_STATE_DIR",
                        "TAGGER_SERVICE_HOST",
                        "TAGGER_PORT_8080_TCP_ADDR",
                        "TAGGERS",
                        "PATH",
                        "TAGGER_SOMETHING_ELSE_ENTIRELY")))
                .containsExactly(
                        "TAGGER_BATCH_MAXSIZE (environment): not a setting (did you mean TAGGER_BATCH_MAX_SIZE?); the"
                                + " settings are in docs/configuration.md",
                        "TAGGER_SOMETHING_ELSE_ENTIRELY (environment): not a setting; the settings are in"
                                + " docs/configuration.md");
    }

    @Test
    void shouldKnowEveryVariableTheDocsAndDeploymentsName() throws IOException {
        Pattern variable = Pattern.compile("TAGGER_[A-Z0-9_]*[A-Z0-9]");
        Set<String> named = new TreeSet<>();
        List<Path> files = new ArrayList<>(List.of(Path.of("README.md"), Path.of("docker-compose.yml")));
        for (String folder : List.of("docs", "deploy")) {
            try (Stream<Path> walk = Files.walk(Path.of(folder))) {
                walk.filter(Files::isRegularFile).forEach(files::add);
            }
        }
        for (Path file : files) {
            variable.matcher(Files.readString(file))
                    .results()
                    .map(MatchResult::group)
                    .forEach(named::add);
        }
        assertThat(named).contains("TAGGER_MODEL_PATH", "TAGGER_STATE_DIR", "TAGGER_BATCH_MAXSIZE");
        named.remove("TAGGER_BATCH_MAXSIZE"); // docs/configuration.md's example of a mistyped name
        assertThat(ConfigCheck.unknownVariables(named)).isEmpty();
    }

    @Test
    void shouldRefuseAnUnknownDeviceOrPrecisionAndBf16() {
        assertThat(problems(Map.of("tagger.model.device", "tpu", "tagger.model.precision", "fp8")))
                .containsExactly(
                        "tagger.model.device=tpu: device must be auto, cpu or gpu, got 'tpu'",
                        "tagger.model.precision=fp8: precision must be auto, fp32 or fp16, got 'fp8'");
        assertThat(problems(Map.of("tagger.model.precision", "bf16")))
                .singleElement(STRING)
                .startsWith("tagger.model.precision=bf16: bf16 cannot run: DJL");
    }

    @Test
    void shouldRefuseSettingsTheMethodDoesNotReadOrLacks() {
        assertThat(problems(Map.of("tagger.model.masks", "true", "tagger.model.method", "clip-global")))
                .containsExactly("tagger.model.masks=true: segments the tags of tagclip, so it needs"
                        + " tagger.model.method=tagclip (now clip-global)");
        assertThat(problems(Map.of("tagger.online.enabled", "true")))
                .containsExactly("tagger.online.enabled=true: trains a cdul head, so it needs tagger.model.method=cdul"
                        + " (now tagclip)");
        assertThat(problems(Map.of("tagger.model.method", "cdul")))
                .containsExactly("tagger.model.method=cdul: needs tagger.model.head=HEAD_DIR (a folder written by"
                        + " 'tagclip train --method cdul'), or tagger.online.enabled=true to learn a head from the"
                        + " stream");
        assertThat(problems(Map.of("tagger.model.method", "cdul", "tagger.online.enabled", "true")))
                .isEmpty();
    }

    @Test
    void shouldRefuseMissingModelHeadAndFileRootsAndAHeadsDirItCannotWrite(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("a-file"), "not a folder");
        assertThat(problems(Map.of(
                        "tagger.model.path", dir.resolve("no-model").toString(),
                        "tagger.model.method", "cdul",
                        "tagger.model.head", dir.toString(),
                        "tagger.online.heads-dir", file.resolve("heads").toString(),
                        "tagger.fetch.file-enabled", "true",
                        "tagger.fetch.file-roots", dir.resolve("no-root").toString())))
                .containsExactlyInAnyOrder(
                        "tagger.model.path=" + dir.resolve("no-model")
                                + ": no such folder or file (a hub model id goes in" + " tagger.model.id)",
                        "tagger.model.head=" + dir + ": not a head folder (no manifest.json): " + dir,
                        "tagger.online.heads-dir=" + file.resolve("heads") + ": " + file
                                + " is not a folder this process may write to",
                        "tagger.fetch.file-roots=" + dir.resolve("no-root") + ": not a folder this process may read");
        assertThat(problems(Map.of("tagger.fetch.file-enabled", "true")))
                .containsExactly("tagger.fetch.file-enabled=true: needs tagger.fetch.file-roots, the folders file:"
                        + " URIs may name");
        assertThat(problems(Map.of(
                        "tagger.model.path", dir.toString(),
                        "tagger.online.heads-dir", dir.resolve("heads/new").toString(),
                        "tagger.fetch.file-enabled", "true",
                        "tagger.fetch.file-roots", dir.toString())))
                .as("an existing model folder, a heads folder that can be made, a readable root")
                .isEmpty();
    }

    @Test
    void shouldSayWhatEachBoundIs() {
        assertThat(problems(Map.of(
                        "tagger.stream-threads", "0",
                        "tagger.batch.inference-timeout", "0s",
                        "tagger.online.sample-rate", "2",
                        "tagger.online.acceptance-fraction", "1",
                        "tagger.online.margin", "NaN",
                        "tagger.online.band-low", "0.7",
                        "tagger.online.band-high", "0.6",
                        "tagger.fetch.max-decoded-bytes", "150%",
                        "tagger.ui.max-upload-bytes", "3000000000")))
                .containsExactlyInAnyOrder(
                        "tagger.stream-threads=0: must be at least 1",
                        "tagger.batch.inference-timeout=PT0S: must be positive",
                        "tagger.online.sample-rate=2.0: must be in [0,1]",
                        "tagger.online.acceptance-fraction=1.0: must be in (0,1)",
                        "tagger.online.margin=NaN: must be a finite number >= 0",
                        "tagger.online.band-low=0.7: must not exceed tagger.online.band-high (0.6)",
                        "tagger.fetch.max-decoded-bytes=150%: '150%' is neither a positive number of bytes nor a"
                                + " percentage of the max heap in (0%, 100%], such as 25%",
                        "tagger.ui.max-upload-bytes=3000000000: must be in [1, 2147483647]");
    }

    @Test
    void shouldRefuseABadAllowListEntry() {
        assertThat(problems(Map.of("tagger.fetch.allow-list", "[::1")))
                .singleElement()
                .asString()
                .startsWith("tagger.fetch.allow-list=[::1: allow-list entry '[::1' has '[' without ']'");
    }

    @Test
    void shouldRefuseRegistryUrlAliasesAndOtherSubjectStrategiesByName() {
        assertThat(problems(Map.of(
                        "kafka-streams.schema.registry.url", "http://other:8081",
                        "kafka-streams.value.subject.name.strategy",
                                "io.confluent.kafka.serializers.subject.RecordNameStrategy")))
                .containsExactlyInAnyOrder(
                        "kafka-streams.schema.registry.url=http://other:8081: not read; the service takes the registry "
                                + "from tagger.schema-registry-url (now http://localhost:8085/apis/ccompat/v7)",
                        "kafka-streams.value.subject.name.strategy=io.confluent.kafka.serializers.subject."
                                + "RecordNameStrategy: not supported; subjects are named <topic>-value "
                                + "(TopicNameStrategy)");
    }

    @Test
    void shouldRefuseASecondStreamThreadKnob() {
        assertThat(problems(Map.of("kafka-streams.num.stream.threads", "4")))
                .containsExactly("kafka-streams.num.stream.threads=4: set the stream threads with "
                        + "tagger.stream-threads (now 1), which the flush bound and the inference worker also read");
        assertThat(problems(Map.of("kafka-streams.num.stream.threads", "2", "tagger.stream-threads", "2")))
                .isEmpty();
    }

    @Test
    void shouldRefuseObjectStoreEndpointsAllowListsAndRegionsByKeyAndValue() {
        assertThat(problems(Map.of(
                        "tagger.fetch.s3.endpoint", "minio:9000",
                        "tagger.fetch.s3.region", "EU West 1",
                        "tagger.fetch.s3.allowed-buckets", "photos/2024",
                        "tagger.fetch.azure.endpoint", "ftp://blobs.internal/{account}",
                        "tagger.fetch.azure.allowed-containers", "photos")))
                .containsExactlyInAnyOrder(
                        "tagger.fetch.s3.endpoint=minio:9000: object-store endpoint 'minio:9000' needs a scheme and a"
                                + " host",
                        "tagger.fetch.s3.region=EU West 1: not a region name (lower-case words joined by '-', such as"
                                + " eu-west-1)",
                        "tagger.fetch.s3.allowed-buckets=photos/2024: entry 'photos/2024' is not a bucket name or *",
                        "tagger.fetch.azure.endpoint=ftp://blobs.internal/{account}: object-store endpoint"
                                + " 'ftp://blobs.internal/account' must be http:// or https://, not ftp",
                        "tagger.fetch.azure.allowed-containers=photos: entry 'photos' is not account/container,"
                                + " account/* or *; a container name alone does not say whose account it is in");
    }

    @Test
    void shouldAcceptWorkingObjectStoreSettings() {
        assertThat(problems(Map.of(
                        "tagger.fetch.s3.endpoint", "http://minio.storage.svc:9000",
                        "tagger.fetch.s3.region", "us-east-1",
                        "tagger.fetch.s3.allowed-buckets", "photos,thumbnails",
                        "AWS_ACCESS_KEY_ID", "tagger",
                        "AWS_SECRET_ACCESS_KEY", "secret",
                        "tagger.fetch.azure.endpoint", "http://127.0.0.1:10000/{account}",
                        "tagger.fetch.azure.allowed-containers", "devstoreaccount1/photos",
                        "tagger.fetch.azure.connection-string", AZURITE)))
                .isEmpty();
    }

    /** Azurite's documented development account (a well-known key, not a secret). */
    private static final String AZURITE = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey="
            + "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
            + "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;";

    @Test
    void shouldRefuseHalfAnAwsKeyPairAndABadConnectionStringWithoutPrintingSecrets() {
        List<String> lines = problems(Map.of(
                "tagger.fetch.s3.region", "eu-west-1",
                "tagger.fetch.s3.allowed-buckets", "photos",
                "AWS_ACCESS_KEY_ID", "AKIAEXAMPLE",
                "tagger.fetch.azure.connection-string", "AccountKey=hunter2"));

        assertThat(lines)
                .containsExactlyInAnyOrder(
                        "AWS_SECRET_ACCESS_KEY=(unset): AWS_ACCESS_KEY_ID is set without it; the AWS SDK would skip"
                                + " both and read s3:// objects with the next credentials of its chain (profile, web"
                                + " identity, instance metadata)",
                        "tagger.fetch.azure.connection-string=(18 characters, not shown): not a storage connection"
                                + " string (AccountName=...;AccountKey=... or BlobEndpoint=...;"
                                + "SharedAccessSignature=...)");
        assertThat(String.join("\n", lines)).doesNotContain("hunter2");
        assertThat(problems(Map.of("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")))
                .as("no bucket allowed: the SDK is never asked")
                .isEmpty();
    }

    @Test
    void shouldRefuseAllowedBucketsWithoutAnyRegion() {
        assumeTrue(
                System.getenv("AWS_REGION") == null
                        && System.getenv("AWS_DEFAULT_REGION") == null
                        && System.getProperty("aws.region") == null
                        && !Files.exists(Path.of(System.getProperty("user.home"), ".aws", "config")),
                "this machine names a region");
        String before = System.getProperty(DISABLE_METADATA);
        System.setProperty(DISABLE_METADATA, "true"); // no instance metadata lookup off EC2
        try {
            assertThat(problems(Map.of("tagger.fetch.s3.allowed-buckets", "photos")))
                    .containsExactly("tagger.fetch.s3.region=(unset): no AWS region for s3:// URIs: set"
                            + " tagger.fetch.s3.region, AWS_REGION or a profile's region");
        } finally {
            if (before == null) {
                System.clearProperty(DISABLE_METADATA);
            } else {
                System.setProperty(DISABLE_METADATA, before);
            }
        }
    }

    private static final String DISABLE_METADATA = "aws.disableEc2Metadata";

    @Test
    void shouldRefuseTheFleetsSettingsByNameWhenWrong() {
        assertThat(problems(Map.of(
                        "tagger.vocabularies.topic", "two words",
                        "tagger.vocabularies.max-held", "-1",
                        "tagger.vocabularies.max-hold", "-5s",
                        "tagger.model.extra-label-cache", "0",
                        "tagger.limits.max-extra-labels", "-1",
                        "tagger.limits.max-extra-label-chars", "0",
                        "tagger.online.heads-topic", "image-samples")))
                .anyMatch(p -> p.startsWith("tagger.vocabularies.topic=two words: ")
                        && p.contains("characters other than ASCII alphanumerics"))
                .contains(
                        "tagger.vocabularies.max-held=-1: must be at least 0",
                        "tagger.vocabularies.max-hold=PT-5S: must not be negative",
                        "tagger.model.extra-label-cache=0: must be at least 1",
                        "tagger.limits.max-extra-labels=-1: must be at least 0",
                        "tagger.limits.max-extra-label-chars=0: must be at least 1",
                        "tagger.online.heads-topic=image-samples: must differ from tagger.online.samples-topic"
                                + " (they hold different records)");
        assertThat(problems(
                        Map.of("tagger.vocabularies.enabled", "false", "tagger.vocabularies.topic", "not followed")))
                .as("no topic needed when not following one")
                .isEmpty();
    }
}
