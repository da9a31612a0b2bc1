package io.tagclip.streams;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.jboss.logging.Logger;

/**
 * Last line against a poison pill: a record the producer or broker refuses for what it is (too large, invalid) would
 * fail the task again after every restart, so it is dropped and logged with its topic, key and source record instead
 * of stopping the stream. Every other production error fails the task as before (its transaction aborts and is
 * redone).
 *
 * <p>{@link MicroBatchProcessor} sizes every record against {@link EventLimits#maxOutputBytes} and dead-letters it
 * before it gets here; this handler only acts when a topic's {@code max.message.bytes} (or the producer's
 * {@code max.request.size}) is below that limit. Kafka Streams 4.1 gives a handler no way to write another record in
 * the same transaction, so the dropped record has no dead letter: the ERROR line is its trace. Set
 * {@code tagger.limits.max-output-bytes} below the topics' limit to keep every output.
 */
public final class OversizedOutputHandler implements ProductionExceptionHandler {

    private static final Logger LOG = Logger.getLogger(OversizedOutputHandler.class);

    /** Longest key quoted in the log line. */
    private static final int MAX_LOGGED_KEY_CHARS = 200;

    @Override
    public void configure(Map<String, ?> configs) {
        // nothing to configure
    }

    @Override
    public ProductionExceptionHandlerResponse handle(
            ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        if (!(exception instanceof RecordTooLargeException
                || exception instanceof RecordBatchTooLargeException
                || exception instanceof InvalidRecordException)) {
            return ProductionExceptionHandlerResponse.FAIL;
        }
        String key = record.key() == null
                ? "null"
                : EventMapper.cut(new String(record.key(), StandardCharsets.UTF_8), MAX_LOGGED_KEY_CHARS);
        LOG.errorf(
                "dropped a %d-byte record for %s (key %s) from %s-%d@%d: %s; lower tagger.limits.max-output-bytes"
                        + " below the topic's max.message.bytes to dead-letter such records instead",
                record.value() == null ? 0 : record.value().length,
                record.topic(),
                key,
                context.topic(),
                context.partition(),
                context.offset(),
                exception.toString());
        return ProductionExceptionHandlerResponse.CONTINUE;
    }
}
