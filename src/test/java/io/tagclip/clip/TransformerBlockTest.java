package io.tagclip.clip;

import static io.tagclip.testing.Tolerance.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tagclip.golden.GoldenTensors;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The attention block's masking paths on small hand-built tensors. */
class TransformerBlockTest {

    private static final int WIDTH = 128;
    private static final int HEADS = 2;
    private static final int TOKENS = 7;

    private static NDManager manager;

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager();
        manager.getEngine().setRandomSeed(7);
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    private static TransformerBlock block(NDManager m, float qkvScale) {
        return new TransformerBlock(
                WIDTH,
                HEADS,
                1e-5f,
                ClipConfig.Activation.QUICK_GELU,
                m.ones(new Shape(WIDTH)),
                m.zeros(new Shape(WIDTH)),
                m.randomNormal(new Shape(3 * WIDTH, WIDTH)).mul(qkvScale),
                m.randomNormal(new Shape(3 * WIDTH)),
                m.randomNormal(new Shape(WIDTH, WIDTH)).mul(0.05f),
                m.zeros(new Shape(WIDTH)),
                m.ones(new Shape(WIDTH)),
                m.zeros(new Shape(WIDTH)),
                m.randomNormal(new Shape(4 * WIDTH, WIDTH)).mul(0.05f),
                m.zeros(new Shape(4 * WIDTH)),
                m.randomNormal(new Shape(WIDTH, 4 * WIDTH)).mul(0.05f),
                m.zeros(new Shape(WIDTH)));
    }

    private static NDArray selfMask(NDManager m) {
        return m.eye(TOKENS).mul(100f).sub(100f); // -100 * (1 - I)
    }

    @Test
    void shouldTakeTheIdentityShortcutOnlyWhenItEqualsTheMaskedSoftmax() {
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.randomNormal(new Shape(2, TOKENS, WIDTH));
            for (float scale : new float[] {0.05f, 3f}) { // ordinary logits, then gaps far beyond 40
                TransformerBlock block = block(m, scale);
                List<NDArray> shortcutMaps = new ArrayList<>();
                List<NDArray> referenceMaps = new ArrayList<>();
                NDArray shortcut = block.forwardSelfMasked(x, selfMask(m), GoldenTensors.SELF_MASK, shortcutMaps);
                NDArray reference = block.forward(x, TransformerBlock.Masking.ADDITIVE, selfMask(m), referenceMaps);
                assertClose("scale " + scale + " output", shortcut.toFloatArray(), reference.toFloatArray(), 1e-5);
                assertClose(
                        "scale " + scale + " unmasked attention",
                        shortcutMaps.get(0).toFloatArray(),
                        referenceMaps.get(0).toFloatArray(),
                        0);
            }
        }
    }

    @Test
    void shouldDetectPerRowWhetherAnyLogitBeatsItsDiagonalBy40() {
        try (NDManager m = manager.newSubManager()) {
            float[] values = new float[TOKENS * TOKENS];
            values[3 * TOKENS + 5] = 39.9f;
            NDArray logits = m.create(values, new Shape(1, 1, TOKENS, TOKENS));
            NDArray rows = TransformerBlock.selfOnlyRows(logits, GoldenTensors.SELF_MASK);
            assertThat(rows.getShape()).isEqualTo(new Shape(1, 1, TOKENS, 1));
            assertThat(rows.all().getBoolean()).isTrue();
            values[3 * TOKENS + 5] = 40.1f;
            boolean[] selfOnly = TransformerBlock.selfOnlyRows(
                            m.create(values, new Shape(1, 1, TOKENS, TOKENS)), GoldenTensors.SELF_MASK)
                    .toBooleanArray();
            for (int row = 0; row < TOKENS; row++) {
                assertThat(selfOnly[row]).as("row %d", row).isEqualTo(row != 3);
            }
        }
    }

    @Test
    void shouldFlushOnlyNegligibleProbabilities() {
        try (NDManager m = manager.newSubManager()) {
            NDArray logits = m.create(new float[] {0f, -10f, -57f, -63f, -100f, 2f}, new Shape(1, 6));
            float[] flushed = TransformerBlock.flushedSoftmax(logits).toFloatArray();
            float[] plain = logits.softmax(-1).toFloatArray();
            assertThat(flushed[2]).isPositive(); // 59 below the maximum: kept
            assertThat(flushed[3]).isZero(); // 65 below the maximum
            assertThat(flushed[4]).isZero(); // 102 below: e^-102 would be a subnormal float
            for (float p : flushed) {
                assertThat(p == 0 || p >= Float.MIN_NORMAL)
                        .as("no subnormal probability: %s", p)
                        .isTrue();
            }
            assertClose("flushed vs plain", flushed, plain, 1e-7);
        }
    }
}
