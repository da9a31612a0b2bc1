package io.tagclip.segment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tagclip.golden.ClsSegGolden;
import io.tagclip.golden.Golden;
import io.tagclip.tagging.PatchBox;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code scoremap2bbox} on the reference's own Grad-CAM maps: the u8 map, the cut and every box, exact. */
class CamBoxesTest {

    static List<String> runs() {
        return ClsSegGolden.RUNS;
    }

    @ParameterizedTest
    @MethodSource("runs")
    void shouldFindTheReferenceBoxesInOpenCvOrder(String run) {
        JsonNode expected = ClsSegGolden.run(run);
        int h = expected.get("grid_hw").get(0).asInt();
        int w = expected.get("grid_hw").get(1).asInt();
        double threshold = expected.get("params").get("box_threshold").asDouble();
        for (JsonNode label : expected.get("labels")) {
            String what = run + " " + label.get("name").asText();
            CamBoxes.Result result = CamBoxes.boxes(Golden.matrix(label.get("grayscale_cam")), h, w, threshold);

            assertThat(result.quantised()).as(what + " u8").containsExactly(ints(label.get("grayscale_uint8")));
            assertThat(result.cut())
                    .as(what + " cut")
                    .isEqualTo(label.get("cv2_threshold").asInt());
            List<List<Integer>> boxes = new ArrayList<>();
            result.boxes().forEach(b -> boxes.add(List.of(b.x0(), b.y0(), b.x1(), b.y1())));
            List<List<Integer>> want = new ArrayList<>();
            label.get("boxes_x0y0x1y1")
                    .forEach(b -> want.add(List.of(
                            b.get(0).asInt(),
                            b.get(1).asInt(),
                            b.get(2).asInt(),
                            b.get(3).asInt())));
            assertThat(boxes).as(what + " boxes").containsExactlyElementsOf(want);
            boolean[] mask = result.mask(h, w);
            StringBuilder rows = new StringBuilder();
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    rows.append(mask[y * w + x] ? '1' : '0');
                }
                rows.append('|');
            }
            StringBuilder wantRows = new StringBuilder();
            label.get("aff_mask").forEach(r -> wantRows.append(r.asText()).append('|'));
            assertThat(rows.toString()).as(what + " aff_mask").isEqualTo(wantRows.toString());
        }
    }

    @Test
    void shouldGiveTheEmptyBoxWhenNothingExceedsTheCut() {
        CamBoxes.Result result = CamBoxes.boxes(new float[12], 3, 4, 0.4);

        assertThat(result.boxes()).containsExactly(new PatchBox(0, 0, 0, 0));
        assertThat(result.mask(3, 4)).doesNotContain(true);
    }

    @Test
    void shouldListAHoleAfterItsOuterBorderAndSiblingsNewestFirst() {
        // a ring (outer border + hole) at the top left, an isolated cell at the bottom right
        String[] grid = {"11100", "10100", "11100", "00000", "00001"};
        boolean[] fg = new boolean[25];
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 5; x++) {
                fg[y * 5 + x] = grid[y].charAt(x) == '1';
            }
        }

        List<BorderFollowing.Rect> rects = BorderFollowing.boundingRects(fg, 5, 5);

        assertThat(rects)
                .containsExactly(
                        new BorderFollowing.Rect(4, 4, 1, 1),
                        new BorderFollowing.Rect(0, 0, 3, 3),
                        new BorderFollowing.Rect(0, 0, 3, 3));
    }

    private static int[] ints(JsonNode rows) {
        float[] flat = Golden.matrix(rows);
        int[] out = new int[flat.length];
        for (int i = 0; i < flat.length; i++) {
            out[i] = (int) flat[i];
        }
        return out;
    }
}
