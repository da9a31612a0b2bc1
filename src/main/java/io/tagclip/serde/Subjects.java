package io.tagclip.serde;

/**
 * Confluent's default {@code TopicNameStrategy}: the schemas of a topic's values live under the subject
 * {@code <topic>-value}, those of its keys under {@code <topic>-key}.
 */
public final class Subjects {

    private Subjects() {}

    public static String topicName(String topic, boolean isKey) {
        if (topic == null || topic.isEmpty()) {
            throw new IllegalArgumentException("topic must not be empty, got '" + topic + "'");
        }
        return topic + (isKey ? "-key" : "-value");
    }
}
