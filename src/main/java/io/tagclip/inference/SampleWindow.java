package io.tagclip.inference;

import io.tagclip.pipeline.OnlineSample;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The samples a retrain sees: at most {@code capacity}, one per image id (a newer sample of an id replaces the older
 * one and counts as the newest), the oldest forgotten first. The samples topic is compacted by image id with the same
 * rule, so the window is the newest {@code capacity} entries of the compacted topic. Not thread-safe: one trainer
 * thread owns it.
 */
public final class SampleWindow {

    private final int capacity;
    private final LinkedHashMap<String, OnlineSample> samples = new LinkedHashMap<>();
    private long added;

    /** @param capacity most samples kept, at least 1 */
    public SampleWindow(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a sample window holds at least 1 sample, got " + capacity);
        }
        this.capacity = capacity;
    }

    /** Records the newest sample of image {@code id}; the oldest sample goes when the window is full. */
    public void put(String id, OnlineSample sample) {
        samples.remove(id); // re-inserted at the newest end
        samples.put(id, sample);
        added++;
        if (samples.size() > capacity) {
            String oldest = samples.keySet().iterator().next();
            samples.remove(oldest);
        }
    }

    /** Forgets the sample of {@code id} (a tombstone on the topic). */
    public void remove(String id) {
        samples.remove(id);
    }

    /** Samples held. */
    public int size() {
        return samples.size();
    }

    /** Samples put since the window was made (re-recorded ids and evicted ones included). */
    public long added() {
        return added;
    }

    /** The held samples by image id, oldest first (a copy). */
    public Map<String, OnlineSample> snapshot() {
        return new LinkedHashMap<>(samples);
    }
}
