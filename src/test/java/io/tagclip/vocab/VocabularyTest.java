package io.tagclip.vocab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.tagclip.golden.Golden;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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
    void shouldSeparateOptionsByAnyWhitespace() {
        Vocabulary v = Vocabulary.parse("pets", """
                dog threshold=0.3
                cat  prompt=cat;kitten \t threshold=0.5
                television prompt=tv monitor
                """);

        assertThat(v.labels()).containsExactly("dog", "cat", "television");
        assertThat(v.thresholds()).containsExactly(0.3f, 0.5f, Float.NaN);
        assertThat(v.classes().get(1).promptNames()).containsExactly("cat", "kitten");
        assertThat(v.classes().get(2).promptNames()).containsExactly("tv monitor");
    }

    @Test
    void shouldKeepLabelsThatContainSpacesWithOrWithoutOptions() {
        Vocabulary v = Vocabulary.parse("street", """
                traffic light
                fire hydrant prompt=fire hydrant;hydrant threshold=0.4
                dining table\tprompt=diningtable
                """);

        assertThat(v.labels()).containsExactly("traffic light", "fire hydrant", "dining table");
        assertThat(v.classes().get(1).promptNames()).containsExactly("fire hydrant", "hydrant");
        assertThat(v.classes().get(2).promptNames()).containsExactly("diningtable");
    }

    @Test
    void shouldParseBuiltInVocabulariesAndTheDocumentedExampleToTheSameContentAsBefore() {
        // versions hash the canonical content: label, prompt names and threshold of every class, background names
        assertThat(Vocabularies.builtIn().get(Vocabularies.VOC2007).version()).isEqualTo("528895d8de6e");
        assertThat(Vocabularies.builtIn().get(Vocabularies.COCO2014).version()).isEqualTo("41e1ff4fa93f");
        String withTabs = "cat\ndog\tprompt=dog;puppy\tthreshold=0.3\ntelevision\tprompt=tv monitor\n"
                + "background: sky\nbackground: wall\n";
        assertThat(Vocabulary.parse("my-vocab", withTabs).version()).isEqualTo("d4971ed65a26");
        assertThat(Vocabulary.parse("my-vocab", withTabs.replace('\t', ' ')).version())
                .isEqualTo("d4971ed65a26");
    }

    @Test
    void shouldParseTheExampleOfTheFormatDocumentAsItSays() throws Exception {
        String doc = Files.readString(Path.of("docs/vocabulary-format.md"), StandardCharsets.UTF_8);
        int start = doc.indexOf("```\n") + 4;
        String example = doc.substring(start, doc.indexOf("```", start))
                .replace('\u2423', ' ')
                .replace('\u21E5', '\t');

        Vocabulary v = Vocabulary.parse("my-vocab", example);

        assertThat(v.labels()).containsExactly("cat", "traffic light", "dining table", "person", "television");
        assertThat(v.promptNames().get(4)).containsExactly("tv monitor");
        assertThat(v.thresholds()[3]).isEqualTo(0.3f);
        assertThat(v.thresholds()[4]).isEqualTo(0.25f);
        assertThat(v.background()).containsExactly("sky", "wall");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            value = {
                "dog threshold = 0.3| contains '='",
                "dog =0.3| contains '='",
                "threshold=0.3| no label before",
                "traffic\tlight| contains a TAB"
            })
    void shouldRefuseLabelThatIsNotALabelNamingLineAndText(String line, String problem) {
        assertThatThrownBy(() -> Vocabulary.parse("pets", "cat\n" + line + "\n"))
                .isInstanceOf(VocabularyException.class)
                .hasMessageContaining("pets line 2")
                .hasMessageContaining("'" + line + "'")
                .hasMessageContaining(problem);
    }

    @ParameterizedTest
    @ValueSource(strings = {"background sky", "Background", "background : sky", "backgrounds: sky", "background=sky"})
    void shouldRefuseLineStartingWithBackgroundWithoutTheColonSyntax(String line) {
        assertThatThrownBy(() -> Vocabulary.parse("scene", "cat\n\n" + line + "\n"))
                .isInstanceOf(VocabularyException.class)
                .hasMessageContaining("scene line 3")
                .hasMessageContaining("'" + line + "'")
                .hasMessageContaining("background: NAME");
    }

    @Test
    void shouldRefuseOptionsOnBackgroundClass() {
        assertThatThrownBy(() -> Vocabulary.parse("scene", "cat\nbackground: sky threshold=0.3\n"))
                .isInstanceOf(VocabularyException.class)
                .hasMessageContaining("scene line 2")
                .hasMessageContaining("'sky threshold=0.3'")
                .hasMessageContaining("no options");
    }

    @Test
    void shouldRefuseOptionGivenTwice() {
        assertThatThrownBy(() -> Vocabulary.parse("pets", "dog threshold=0.3 threshold=0.5\n"))
                .isInstanceOf(VocabularyException.class)
                .hasMessageContaining("pets line 1")
                .hasMessageContaining("threshold= given twice");
    }

    @Test
    void shouldStripLeadingByteOrderMark(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("pets.vocab");
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        Files.write(file, bom);
        Files.writeString(file, "cat\ndog\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);

        Vocabulary loaded = Vocabulary.load(file);

        assertThat(loaded.labels()).containsExactly("cat", "dog");
        assertThat(loaded.version())
                .isEqualTo(Vocabulary.parse("pets", "cat\ndog\n").version());
        assertThat(Vocabulary.parse("pets", "\uFEFF# pets\ncat\n").labels()).containsExactly("cat");
    }

    @Test
    void shouldNameTheFileOfABadLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("pets.vocab");
        Files.writeString(file, "cat\ndog threshold = 0.3\n", StandardCharsets.UTF_8);

        assertThatThrownBy(() -> Vocabulary.load(file))
                .isInstanceOf(VocabularyException.class)
                .hasMessageContaining(file + " line 2")
                .hasMessageContaining("'dog threshold = 0.3'");
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
