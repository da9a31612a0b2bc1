package io.tagclip.pipeline;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The tagging methods a pipeline can run, by the name configuration and command line use. */
public enum Method {
    /** TagCLIP (Lin et al., AAAI 2024): local patch classification, DMAR, CWR. */
    TAGCLIP("tagclip"),
    /** Plain CLIP zero-shot on the whole image ({@code io.tagclip.baseline.ClipGlobalScorer}). */
    CLIP_GLOBAL("clip-global"),
    /** CDUL's global-local initial pseudo labels ({@code io.tagclip.baseline.CdulGlobalLocalScorer}). */
    CDUL_GLOBAL_LOCAL("cdul-global-local"),
    /** CDUL's trained classification head over CLIP's global embedding ({@code io.tagclip.cdul.HeadScorer}). */
    CDUL("cdul");

    private final String id;

    Method(String id) {
        this.id = id;
    }

    /** The name written in configuration, on the command line and into results. */
    public String id() {
        return id;
    }

    /** The method named {@code id}; the message of the exception lists the known names. */
    public static Method of(String id) {
        for (Method method : values()) {
            if (method.id.equals(id)) {
                return method;
            }
        }
        throw new IllegalArgumentException("unknown method '" + id + "' (known: " + names() + ")");
    }

    /** The known names, comma-separated. */
    public static String names() {
        return Arrays.stream(values()).map(Method::id).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return id;
    }
}
