package io.tagclip.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Collections;
import java.util.List;

/**
 * Where each image's tokens sit in a padded first-pass batch. Image {@code b} has a {@code rows x cols} patch grid and
 * {@code 1 + rows*cols} real tokens (its class token first, then its patches row-major, with its own grid's positional
 * table); the batch is padded at the end of each sequence to the longest one, {@link #paddedTokens()}. Padded tokens
 * are keys no query can see ({@link #keyMask}), so they never change a real token's output, and every per-image map
 * is read from the image's first {@link #tokens(int)} rows and columns.
 *
 * @param grids every image's patch grid, in batch order
 */
public record TokenLayout(List<Grid> grids) {

    /**
     * One image's patch grid.
     *
     * @param rows patch rows (H / patch)
     * @param cols patch columns (W / patch)
     */
    public record Grid(int rows, int cols) {

        public Grid {
            if (rows <= 0 || cols <= 0) {
                throw new IllegalArgumentException("a patch grid needs positive sides, got " + rows + "x" + cols);
            }
        }

        /** The class token plus one token per patch. */
        public int tokens() {
            return 1 + rows * cols;
        }
    }

    public TokenLayout {
        grids = List.copyOf(grids);
        if (grids.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one image");
        }
    }

    /** A layout of {@code batch} images of one grid: nothing is padded. */
    public static TokenLayout uniform(int batch, Grid grid) {
        return new TokenLayout(Collections.nCopies(batch, grid));
    }

    /** Images in the batch. */
    public int batch() {
        return grids.size();
    }

    public Grid grid(int b) {
        return grids.get(b);
    }

    /** Real tokens of image {@code b}. */
    public int tokens(int b) {
        return grids.get(b).tokens();
    }

    /** The sequence length of the batch: the longest image's token count. */
    public int paddedTokens() {
        return grids.stream().mapToInt(Grid::tokens).max().orElseThrow();
    }

    /** Real tokens of all images. */
    public long realTokens() {
        return grids.stream().mapToLong(Grid::tokens).sum();
    }

    /** Padded slots of the batch: {@code batch * paddedTokens - realTokens}. */
    public long paddingTokens() {
        return (long) batch() * paddedTokens() - realTokens();
    }

    /** Whether any image is shorter than the batch's sequence. */
    public boolean padded() {
        return paddingTokens() > 0;
    }

    /**
     * The additive key mask of every attention: 0 for a real key, −∞ for a padded one, {@code [B,1,1,T]} (broadcast
     * over heads and queries). {@code exp(−∞)} is exactly 0, so a padded key gets weight 0 in every softmax whatever
     * its (finite) logit, and every image keeps at least one real key (its class token), so no row is all −∞.
     *
     * @return the mask owned by {@code manager}, or {@code null} when nothing is padded
     */
    public NDArray keyMask(NDManager manager, DataType type) {
        if (!padded()) {
            return null;
        }
        int t = paddedTokens();
        float[] mask = new float[batch() * t];
        for (int b = 0; b < batch(); b++) {
            for (int j = tokens(b); j < t; j++) {
                mask[b * t + j] = Float.NEGATIVE_INFINITY;
            }
        }
        NDArray out = manager.create(mask, new Shape(batch(), 1, 1, t)); // [B,1,1,T]
        return type == DataType.FLOAT32 ? out : out.toType(type, false);
    }
}
