package io.tagclip.baseline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;

/** CLIP's text embedding of prompts: tokenise and encode, <em>not</em> normalised. */
@FunctionalInterface
public interface TextEncoder {

    /** One {@code [T,E]} row per prompt, owned by {@code manager}. */
    NDArray encode(List<String> prompts, NDManager manager);
}
