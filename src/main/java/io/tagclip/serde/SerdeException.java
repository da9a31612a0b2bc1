package io.tagclip.serde;

import java.util.OptionalInt;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The one failure of this package: a payload that is not in the wire format, a schema the registry does not know,
 * a registry that cannot be reached or that refused a request. Messages name the topic, subject and/or schema id.
 *
 * <p>Extends Kafka's {@link SerializationException}, so producers, consumers and Kafka Streams' exception handlers
 * treat it as the serialization failure it is.
 */
public class SerdeException extends SerializationException {

    private final int httpStatus;
    private final int errorCode;

    public SerdeException(String message) {
        this(message, null, 0, 0);
    }

    public SerdeException(String message, Throwable cause) {
        this(message, cause, 0, 0);
    }

    /**
     * A refusal by the registry.
     *
     * @param httpStatus the HTTP status it answered with, or 0 when the registry is in memory
     * @param errorCode  the {@code error_code} of its JSON error body (e.g. 40403: schema not found), or 0
     */
    public SerdeException(String message, Throwable cause, int httpStatus, int errorCode) {
        super(message, cause);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    /** The HTTP status of the registry's answer, when this is a refusal by a REST registry. */
    public OptionalInt httpStatus() {
        return httpStatus == 0 ? OptionalInt.empty() : OptionalInt.of(httpStatus);
    }

    /** The Confluent {@code error_code} (40401 subject not found, 40403 schema not found, ...), when there is one. */
    public OptionalInt errorCode() {
        return errorCode == 0 ? OptionalInt.empty() : OptionalInt.of(errorCode);
    }

    /** This failure seen from a caller that knows more (the topic): same codes, this one as the cause. */
    public SerdeException within(String context) {
        return new SerdeException(context + ": " + getMessage(), this, httpStatus, errorCode);
    }
}
