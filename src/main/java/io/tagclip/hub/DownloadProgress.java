package io.tagclip.hub;

import java.time.Duration;
import java.util.Locale;

/**
 * Where the download of one model file stands.
 *
 * @param modelId hub id of the model
 * @param file file name within the repository
 * @param bytesDone bytes of the file on disk, including any resumed from an earlier attempt
 * @param bytesTotal the file's size, or -1 when the hub did not say
 * @param bytesThisRun bytes received since this download started (what the rate is computed from)
 * @param elapsed time since this download started
 * @param done whether the file is complete and verified
 */
public record DownloadProgress(
        String modelId,
        String file,
        long bytesDone,
        long bytesTotal,
        long bytesThisRun,
        Duration elapsed,
        boolean done) {

    /** Share of the file on disk in [0, 1], or -1 when the size is unknown. */
    public double fraction() {
        return bytesTotal > 0 ? Math.min(1.0, (double) bytesDone / bytesTotal) : bytesTotal == 0 ? 1.0 : -1;
    }

    /** Bytes per second received so far in this download (0 before any time has passed). */
    public double bytesPerSecond() {
        double seconds = elapsed.toNanos() / 1e9;
        return seconds > 0 ? bytesThisRun / seconds : 0;
    }

    /** Time left at the current rate, or null when the size or the rate is not known yet. */
    public Duration eta() {
        double rate = bytesPerSecond();
        if (bytesTotal < 0 || rate <= 0) {
            return null;
        }
        return Duration.ofMillis((long) (Math.max(0, bytesTotal - bytesDone) / rate * 1000));
    }

    /** One line such as {@code model.safetensors 12.3 of 598.6 MB (2%), 8.1 MB/s, 1m12s left}. */
    public String describe() {
        StringBuilder line = new StringBuilder(file).append(' ').append(megabytes(bytesDone));
        if (bytesTotal >= 0) {
            line.append(" of ")
                    .append(megabytes(bytesTotal))
                    .append(" MB (")
                    .append(Math.round(fraction() * 100))
                    .append("%)");
        } else {
            line.append(" MB");
        }
        if (done) {
            return line.append(", done").toString();
        }
        line.append(", ").append(megabytes((long) bytesPerSecond())).append(" MB/s");
        Duration left = eta();
        if (left != null) {
            line.append(", ")
                    .append(left.toMinutes())
                    .append('m')
                    .append(left.toSecondsPart())
                    .append("s left");
        }
        return line.toString();
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / 1e6);
    }
}
