package io.tagclip.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tagclip.avro.VocabularyClass;
import io.tagclip.avro.VocabularyDefinition;
import io.tagclip.vocab.Vocabulary;
import io.tagclip.vocab.VocabularyException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class VocabularyDefinitionsTest {

    private static final Vocabulary PETS = Vocabulary.parse(
            "pets", "cat\ndog\tprompt=dog;puppy\tthreshold=0.3\ntraffic light\nbackground: sky\nbackground: wall\n");

    @Test
    void shouldRoundTripEverythingAVocabularyFileSays() {
        VocabularyDefinition record = VocabularyDefinitions.of(PETS, Instant.EPOCH);

        assertThat(record.getVersion()).isEqualTo(PETS.version());
        assertThat(record.getClasses().get(1).getThreshold()).isEqualTo(0.3f);
        assertThat(record.getClasses().get(0).getThreshold()).isNull();
        assertThat(VocabularyDefinitions.toVocabulary("pets", record)).isEqualTo(PETS);
    }

    @Test
    void shouldRefuseAVersionThatDoesNotMatchTheContent() {
        VocabularyDefinition record = VocabularyDefinitions.of(PETS, Instant.EPOCH);
        record.setVersion("000000000000");

        assertThatThrownBy(() -> VocabularyDefinitions.toVocabulary("pets", record))
                .isInstanceOf(VocabularyException.class)
                .hasMessageContaining("claims version 000000000000")
                .hasMessageContaining(PETS.version());
    }

    @Test
    void shouldRefuseALabelAVocabularyFileCannotSay() {
        VocabularyDefinition record = VocabularyDefinitions.of(PETS, Instant.EPOCH);
        record.getClasses().set(0, new VocabularyClass("cat threshold=0.5", List.of("cat"), null));

        assertThatThrownBy(() -> VocabularyDefinitions.toVocabulary("pets", record))
                .isInstanceOf(VocabularyException.class)
                .hasMessageContaining("pets");
    }

    @Test
    void shouldRefuseARecordWhoseKeyIsNotItsId() {
        VocabularyDefinition record = VocabularyDefinitions.of(PETS, Instant.EPOCH);

        assertThatThrownBy(() -> VocabularyDefinitions.toVocabulary("animals", record))
                .isInstanceOf(VocabularyException.class)
                .hasMessageContaining("keyed 'animals' defines id 'pets'");
    }
}
