package io.tagclip.vocab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.tagclip.golden.Golden;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VocabularyTest {

    @ParameterizedTest
    @ValueSource(strings = {"voc2007", "coco2014"})
    void shouldShipReferenceClassListsInReferenceOrder(String id) {
        JsonNode text = Golden.expected("text_" + id + ".json");
        List<String> reference = new ArrayList<>();
        text.get("classes").forEach(n -> reference.add(n.asText()));

        Vocabulary vocabulary = Vocabularies.builtIn().get(id);

        assertThat(vocabulary.numClasses())
                .isEqualTo(text.get("num_dataset_classes").asInt());
        List<String> all =
                vocabulary.promptNames().stream().map(names -> names.get(0)).toList();
        assertThat(all).containsExactlyElementsOf(reference);
        assertThat(vocabulary.labels()).containsExactlyElementsOf(reference.subList(0, vocabulary.numClasses()));
    }

    @Test
    void shouldKeepVocSpellingsInCoco() {
        Vocabulary coco = Vocabularies.builtIn().get(Vocabularies.COCO2014);

        assertThat(coco.labels())
                .contains("motorbike", "aeroplane", "sofa", "pottedplant", "diningtable", "tvmonitor")
                .doesNotContain("motorcycle", "airplane", "couch", "tv");
        assertThat(coco.background()).hasSize(23).doesNotContain("keyboard", "sign");
    }

    @Test
    void shouldParseOptionsCommentsAndBackground() {
        Vocabulary v = Vocabulary.parse("pets", """
                # pets and where they sit
                cat
                dog\tprompt=dog;puppy\tthreshold=0.3

                background: sofa
                """);

        assertThat(v.labels()).containsExactly("cat", "dog");
        assertThat(v.classes().get(1).promptNames()).containsExactly("dog", "puppy");
        assertThat(v.thresholds()[0]).isNaN();
        assertThat(v.thresholds()[1]).isEqualTo(0.3f);
        assertThat(v.background()).containsExactly("sofa");
        assertThat(v.size()).isEqualTo(3);
    }

    @Test
    void shouldVersionByContentNotById() {
        Vocabulary a = Vocabulary.parse("a", "cat\ndog\n");
        Vocabulary b = Vocabulary.parse("b", "# same content\ncat\n\ndog");
        Vocabulary c = Vocabulary.parse("a", "cat\ndog\tthreshold=0.4\n");

        assertThat(a.version()).hasSize(12).isEqualTo(b.version()).isNotEqualTo(c.version());
    }

    @Test
    void shouldNameLineOfUnknownOption() {
        assertThatThrownBy(() -> Vocabulary.parse("bad", "cat\ndog\tcolour=brown\n"))
                .isInstanceOf(VocabularyException.class)
                .hasMessageContaining("bad line 2")
                .hasMessageContaining("colour=brown");
    }

    @Test
    void shouldNameLineOfBadThreshold() {
        assertThatThrownBy(() -> Vocabulary.parse("bad", "cat\tthreshold=high\n"))
                .isInstanceOf(VocabularyException.class)
                .hasMessageContaining("line 1")
                .hasMessageContaining("'high'");
    }

    @Test
    void shouldRejectDuplicateLabelNamingBothLines() {
        assertThatThrownBy(() -> Vocabulary.parse("dup", "cat\ndog\ncat\n"))
                .isInstanceOf(VocabularyException.class)
                .hasMessageContaining("line 3")
                .hasMessageContaining("line 1");
    }

    @Test
    void shouldRejectVocabularyWithoutDatasetClass() {
        assertThatThrownBy(() -> Vocabulary.parse("empty", "# nothing\nbackground: sky\n"))
                .isInstanceOf(VocabularyException.class)
                .hasMessageContaining("no dataset class");
    }

    @Test
    void shouldNameUnknownVocabulary() {
        assertThatThrownBy(() -> Vocabularies.builtIn().get("imagenet"))
                .isInstanceOf(VocabularyException.class)
                .hasMessageContaining("'imagenet'");
    }
}
