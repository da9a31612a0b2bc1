package io.tagclip.app;

import jakarta.inject.Singleton;

/**
 * How far start-up has come, for the startup check: the model loads and its text features are made (minutes on a
 * CPU) before the service can tag anything. Written by {@link TaggerRuntime} while it builds the pipeline; read by the
 * health checks without touching the runtime, so a probe never waits on the singleton being built.
 */
@Singleton
public class StartupProgress {

    private volatile String phase = "waiting for the configuration check";
    private volatile boolean started;

    void phase(String what) {
        phase = what;
    }

    /** The model is loaded and warmed up: from now on liveness and readiness tell how the service does. */
    void started() {
        phase = "model loaded and warmed up";
        started = true;
    }

    public boolean isStarted() {
        return started;
    }

    public String phase() {
        return phase;
    }
}
