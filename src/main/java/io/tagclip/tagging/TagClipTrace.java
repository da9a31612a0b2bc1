package io.tagclip.tagging;

import java.util.ArrayList;
import java.util.List;

/**
 * TagCLIP's intermediate maps, kept for tests that compare every step with the reference. A {@link TagClipTagger}
 * call given a trace adds one {@link Maps} per image of its first pass, in image order; calls without one keep
 * nothing (the maps cost N·K floats each).
 */
public final class TagClipTrace {

    /**
     * One image's maps, {@code [N,K]} row-major.
     *
     * @param coarse           {@code P_coarse}
     * @param attentionRefined {@code W·P_coarse}
     * @param refined          the DMAR map
     * @param voteMaskCount    cells kept by the vote mask
     */
    public record Maps(float[] coarse, float[] attentionRefined, float[] refined, long voteMaskCount) {}

    private final List<Maps> maps = new ArrayList<>();

    /** The maps recorded so far, one per traced image. */
    public List<Maps> maps() {
        return List.copyOf(maps);
    }

    void add(Maps image) {
        maps.add(image);
    }
}
