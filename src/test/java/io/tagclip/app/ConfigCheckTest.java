package io.tagclip.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

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
}
