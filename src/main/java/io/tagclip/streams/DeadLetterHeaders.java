package io.tagclip.streams;

/**
 * The Kafka headers every dead-letter record carries besides the input record's own, named as Kafka Connect's
 * dead-letter queue names them ({@code errors.deadletterqueue.context.headers.enable}), so that tools written for
 * Connect's dead letters read these too. Values are UTF-8 text; partition and offset in decimal, as Connect writes
 * them. Connect's connector, task, stage, class and stack-trace headers have no counterpart here and are not written.
 */
public final class DeadLetterHeaders {

    /** Prefix of every error header; input headers under it describe an earlier failure and are not copied. */
    public static final String PREFIX = "__connect.errors.";

    /** Topic of the input record. */
    public static final String TOPIC = PREFIX + "topic";

    /** Partition of the input record. */
    public static final String PARTITION = PREFIX + "partition";

    /** Offset of the input record. */
    public static final String OFFSET = PREFIX + "offset";

    /** The dead letter's message (its {@code message} field). */
    public static final String EXCEPTION_MESSAGE = PREFIX + "exception.message";

    /**
     * The reason (the dead letter's {@code reasonName}): not one of Connect's headers, but under its prefix so that a
     * tool removing Connect's error headers before a replay removes this one too.
     */
    public static final String REASON = PREFIX + "reason";

    private DeadLetterHeaders() {}

    /** True for a header that this service, or Connect, writes about a failure. */
    public static boolean isErrorHeader(String key) {
        return key.startsWith(PREFIX);
    }
}
