package io.tagclip.tokenizer;

import static io.tagclip.golden.GoldenTensors.ints;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.tagclip.clip.PromptEnsemble;
import io.tagclip.golden.GoldenTensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The BPE tokenizer against the reference's ids in {@code tokens.json} (every case and all 12,595 prompts). */
class ClipTokenizerTest {

    private static ClipTokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = ClipTokenizer.fromFolder(GoldenTensors.modelFolder(), ClipTokenizer.DEFAULT_CONTEXT_LENGTH);
    }

    @Test
    void shouldEncodeTestStringsLikeTheReference() {
        for (JsonNode c : GoldenTensors.expected("tokens.json").get("cases")) {
            String text = c.get("text").asText();
            assertThat(tokenizer.encode(text)).as("bpe of '%s'", text).containsExactly(ints(c.get("bpe_ids")));
            assertThat(tokenizer.tokenize(List.of(text), false)[0])
                    .as("ids77 of '%s'", text)
                    .containsExactly(ints(c.get("ids77")));
        }
    }

    @Test
    void shouldEncodeEveryPromptOfBothVocabulariesLikeTheReference() {
        JsonNode tokens = GoldenTensors.expected("tokens.json");
        List<String> templates = new ArrayList<>();
        tokens.get("templates").forEach(t -> templates.add(t.asText()));
        assertThat(PromptEnsemble.TEMPLATES).containsExactlyElementsOf(templates);
        int checked = 0;
        for (String vocabulary : List.of("all_prompts_voc2007", "all_prompts_coco2014")) {
            JsonNode node = tokens.get(vocabulary);
            List<String> classes = new ArrayList<>();
            node.get("classes").forEach(c -> classes.add(c.asText()));
            List<String> prompts = PromptEnsemble.prompts(classes);
            JsonNode expected = node.get("bpe_ids");
            assertThat(prompts).hasSize(expected.size());
            for (int i = 0; i < prompts.size(); i++) {
                int[] ids = tokenizer.encode(prompts.get(i));
                if (!Arrays.equals(ids, ints(expected.get(i)))) {
                    assertThat(ids).as("prompt '%s'", prompts.get(i)).containsExactly(ints(expected.get(i)));
                }
                checked++;
            }
        }
        assertThat(checked).isEqualTo(12_580);
    }

    @Test
    void shouldRejectTooLongTextUnlessTruncating() {
        JsonNode overflow = GoldenTensors.expected("tokens.json").get("overflow");
        String text = overflow.get("text").asText();
        assertThat(tokenizer.encode(text)).hasSize(overflow.get("bpe_len").asInt());
        assertThatThrownBy(() -> tokenizer.tokenize(List.of(text), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(text)
                .hasMessageContaining("too long for context length 77");
        assertThat(tokenizer.tokenize(List.of(text), true)[0])
                .containsExactly(ints(overflow.get("ids77_truncate_true")));
    }

    @Test
    void shouldUnescapeHtmlEntitiesTwiceAndCollapseWhitespace() {
        assertThat(ClipTokenizer.clean("  Rock&amp;amp;Roll \t&lt;b&gt;  ")).isEqualTo("rock&roll <b>");
        assertThat(ClipTokenizer.clean("caf&eacute;&nbsp;&#233;&#xE9; &copy2024"))
                .isEqualTo("café éé ©2024");
        assertThat(ClipTokenizer.clean("&unknown; & &#0;")).isEqualTo("&unknown; & \ufffd");
    }
}
