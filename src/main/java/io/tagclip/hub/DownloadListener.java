package io.tagclip.hub;

/**
 * Told how a model download advances; {@link ModelLocator} calls it from the downloading thread, at the start of
 * each file, about every {@value HubClient#PROGRESS_INTERVAL_MS} ms while bytes arrive, and when the file is
 * complete. The {@code clip} package does not print or log: the command line prints these on stderr, the service
 * logs them.
 */
@FunctionalInterface
public interface DownloadListener {

    /** Ignores all progress. */
    DownloadListener NONE = progress -> {};

    void onProgress(DownloadProgress progress);
}
