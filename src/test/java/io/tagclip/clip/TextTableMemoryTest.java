package io.tagclip.clip;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.tagclip.golden.Golden;
import io.tagclip.tokenizer.ClipTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Regression guard for text-table memory: building the prompt-ensemble table of a large vocabulary on a mid-size
 * model (text width 256, 4 layers) keeps no more native arrays alive than a small vocabulary does. Before each chunk
 * of prompts got its own scope, every chunk's activations stayed alive until the last chunk was done (12 GB at
 * ViT-B/16 size for VOC), so live arrays grew with the number of prompts.
 */
class TextTableMemoryTest {

    /** Mid-size: a text tower of width 256 and 4 layers (the real vocabulary size), a token vision tower. */
    private static final ClipConfig MID_SIZE = new ClipConfig(
            64,
            1,
            1,
            256,
            16,
            32,
            1e-5f,
            ClipConfig.Activation.QUICK_GELU,
            256,
            4,
            4,
            1024,
            77,
            49408,
            1e-5f,
            ClipConfig.Activation.QUICK_GELU,
            256);

    /** Poll interval of the sampler that records the peak of live arrays during a build. */
    private static final long SAMPLE_MILLIS = 1;

    private static ClipModel model;

    @BeforeAll
    static void load() {
        ClipTokenizer tokenizer = ClipTokenizer.fromFolder(Golden.modelDir(), MID_SIZE.contextLength());
        model = ClipLoader.build(
                MID_SIZE, RandomClip.weights(MID_SIZE, 7), tokenizer, ClipOptions.cpu(), "mid-size", "random");
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** Live arrays and their bytes in the model's manager tree (weights and everything a forward holds). */
    private record Live(long arrays, long bytes) {
        static Live of(NDManager manager) {
            long arrays = 0;
            long bytes = 0;
            for (NDArray array : manager.getManagedArrays()) {
                try {
                    bytes += array.getShape().size() * array.getDataType().getNumOfBytes();
                    arrays++;
                } catch (RuntimeException closedMeanwhile) {
                    // freed while it was being counted: no longer alive
                }
            }
            return new Live(arrays, bytes);
        }
    }

    /**
     * What one build held: the live bytes after every chunk (counted on the building thread, between chunks), and
     * the peak number of live arrays seen by a sampling thread. The sampler only counts the manager's Java-side
     * entries: reading an array's shape calls into libtorch, and an array a chunk frees while it is being read is a
     * use after free that crashes the JVM.
     */
    private record Build(
            long baselineBytes, List<Long> bytesAfterChunks, long baselineArrays, long peakArrays, int prompts) {}

    private static long liveArrays() {
        return model.manager().getManagedArrays().size();
    }

    private static Build build(int names) throws InterruptedException {
        List<String> classNames =
                IntStream.range(0, names).mapToObj(i -> "object" + i).toList();
        long baseline = Live.of(model.manager()).bytes();
        long baselineArrays = liveArrays();
        List<Long> afterChunks = new ArrayList<>();
        AtomicLong peak = new AtomicLong(baselineArrays);
        AtomicBoolean running = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (running.get()) {
                try {
                    peak.accumulateAndGet(liveArrays(), Math::max);
                } catch (RuntimeException managerClosedMidWalk) {
                    // a chunk's manager closed while it was walked: the next sample sees the new state
                }
                try {
                    Thread.sleep(SAMPLE_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.start();
        int[] total = new int[1];
        try (NDManager owner = NDManager.newBaseManager(model.device())) {
            NDArray table = PromptEnsemble.embed(model, classNames, owner, (done, all) -> {
                afterChunks.add(Live.of(model.manager()).bytes());
                total[0] = all;
            });
            assertThat(table.getShape().getShape()).containsExactly(names, MID_SIZE.embedDim());
        } finally {
            running.set(false);
            sampler.join();
        }
        assertThat(Live.of(model.manager()).bytes()).as("nothing left behind").isEqualTo(baseline);
        return new Build(baseline, afterChunks, baselineArrays, peak.get(), total[0]);
    }

    @Test
    void shouldKeepNativeMemoryOfATextTableIndependentOfThePromptCount() throws InterruptedException {
        Build small = build(4); // 340 prompts, 2 chunks
        Build large = build(40); // 3400 prompts, 14 chunks

        assertThat(large.prompts()).isEqualTo(10 * small.prompts());
        assertThat(large.bytesAfterChunks()).hasSize(14);
        // Between chunks only the weights are alive: every chunk freed its activations before the next began.
        assertThat(large.bytesAfterChunks()).allMatch(bytes -> bytes == large.baselineBytes());
        // Within a chunk: one chunk's working set, whatever the vocabulary size (same-length prompts here).
        long smallExtra = small.peakArrays() - small.baselineArrays();
        long largeExtra = large.peakArrays() - large.baselineArrays();
        assertThat(smallExtra).as("the sampler saw a chunk's activations").isPositive();
        assertThat(largeExtra)
                .as("peak live arrays above the weights, large vs small vocabulary (%d vs %d)", largeExtra, smallExtra)
                .isLessThanOrEqualTo(smallExtra * 3 / 2);
    }
}
