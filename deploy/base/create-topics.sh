#!/bin/bash
# Creates the tagger's topics, or checks them when they exist; safe to run any number of times.
# Used by docker-compose.yml (service `topics`) and by the Kubernetes Job `tagclip-topics`.
#
# Environment:
#   KAFKA_BOOTSTRAP_SERVERS   required
#   TOPIC_PARTITIONS          partitions of image-refs and image-tags (upper bound for tagger instances x threads)
#   DLQ_PARTITIONS            partitions of image-refs-dlq (default 3: dead letters are few)
#   TOPIC_REPLICATION_FACTOR  1 for a single broker, 3 in production
#   TOPIC_MIN_INSYNC_REPLICAS default 1; set 2 with replication factor 3
#   TAGS_RETENTION_MS         retention of image-tags (default 7 days)
#   DLQ_RETENTION_MS          retention of image-refs-dlq (default 30 days: time to notice, fix and replay)
#   SAMPLES_PARTITIONS        partitions of image-samples (default 1: online CDUL training samples; one trainer reads all)
#   SAMPLES_RETENTION_MS      image-samples keeps the latest sample per image id (compacted) and drops samples older
#                             than this (default 14 days), so online retrains follow the stream's recent content
#   KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM, KAFKA_SASL_JAAS_CONFIG,
#   KAFKA_SSL_TRUSTSTORE_LOCATION, KAFKA_SSL_TRUSTSTORE_PASSWORD, KAFKA_SSL_TRUSTSTORE_TYPE   optional, as for the tagger
set -euo pipefail

: "${KAFKA_BOOTSTRAP_SERVERS:?set KAFKA_BOOTSTRAP_SERVERS}"
partitions=${TOPIC_PARTITIONS:-6}
dlq_partitions=${DLQ_PARTITIONS:-3}
replication=${TOPIC_REPLICATION_FACTOR:-1}
min_isr=${TOPIC_MIN_INSYNC_REPLICAS:-1}
tags_retention=${TAGS_RETENTION_MS:-604800000}
dlq_retention=${DLQ_RETENTION_MS:-2592000000}
samples_partitions=${SAMPLES_PARTITIONS:-1}
samples_retention=${SAMPLES_RETENTION_MS:-1209600000}
kafka_bin=${KAFKA_HOME:-/opt/kafka}/bin

# Client settings for secured clusters, written from the same variables the tagger reads.
client_config=$(mktemp)
trap 'rm -f "$client_config"' EXIT
{
    [ -n "${KAFKA_SECURITY_PROTOCOL:-}" ] && echo "security.protocol=${KAFKA_SECURITY_PROTOCOL}"
    [ -n "${KAFKA_SASL_MECHANISM:-}" ] && echo "sasl.mechanism=${KAFKA_SASL_MECHANISM}"
    [ -n "${KAFKA_SASL_JAAS_CONFIG:-}" ] && echo "sasl.jaas.config=${KAFKA_SASL_JAAS_CONFIG}"
    [ -n "${KAFKA_SSL_TRUSTSTORE_LOCATION:-}" ] && echo "ssl.truststore.location=${KAFKA_SSL_TRUSTSTORE_LOCATION}"
    [ -n "${KAFKA_SSL_TRUSTSTORE_PASSWORD:-}" ] && echo "ssl.truststore.password=${KAFKA_SSL_TRUSTSTORE_PASSWORD}"
    [ -n "${KAFKA_SSL_TRUSTSTORE_TYPE:-}" ] && echo "ssl.truststore.type=${KAFKA_SSL_TRUSTSTORE_TYPE}"
    true
} >"$client_config"

topics() {
    "$kafka_bin/kafka-topics.sh" --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" --command-config "$client_config" "$@"
}

# ensure TOPIC PARTITIONS CONFIG...: create the topic, or verify the partition count of an existing one.
# Partitions are never added automatically: the tagger's state stores are partitioned like image-refs, so more
# input partitions need a planned Kafka Streams reset (deploy/README.md, "Scaling").
ensure() {
    local topic=$1 wanted=$2
    shift 2
    local args=()
    # a list value is written [a,b] for kafka-configs (comma-joined below) and a,b for kafka-topics --create
    for config in "$@"; do args+=(--config "${config//[\[\]]/}"); done
    topics --create --if-not-exists --topic "$topic" --partitions "$wanted" \
        --replication-factor "$replication" "${args[@]}"
    local actual
    actual=$(topics --describe --topic "$topic" | sed -n 's/.*PartitionCount: *\([0-9]*\).*/\1/p' | head -n 1)
    if [ "$actual" != "$wanted" ]; then
        echo "topic $topic has $actual partitions, $wanted wanted: not changed (see deploy/README.md, Scaling)" >&2
        return 1
    fi
    # Retention and ISR are safe to (re)apply on every run.
    if [ ${#args[@]} -gt 0 ]; then
        "$kafka_bin/kafka-configs.sh" --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" --command-config "$client_config" \
            --alter --entity-type topics --entity-name "$topic" --add-config "$(IFS=,; echo "$*")"
    fi
    echo "topic $topic ready: $actual partitions"
}

ensure image-refs "$partitions" "min.insync.replicas=$min_isr"
ensure image-tags "$partitions" "min.insync.replicas=$min_isr" "retention.ms=$tags_retention"
ensure image-refs-dlq "$dlq_partitions" "min.insync.replicas=$min_isr" "retention.ms=$dlq_retention"
# read only with tagger.online.enabled=true; cheap to have otherwise
# the fleet's vocabularies (tagclip vocab put/rm), read whole by every instance: compacted, never deleted by age
ensure tagger-vocabularies 1 "min.insync.replicas=$min_isr" "cleanup.policy=compact"
# the fleet's accepted online CDUL heads (tagger.online.heads-topic): compacted, the newest head per vocabulary
ensure image-heads 1 "min.insync.replicas=$min_isr" "cleanup.policy=compact"
ensure image-samples "$samples_partitions" "min.insync.replicas=$min_isr" "cleanup.policy=[compact,delete]" \
    "retention.ms=$samples_retention"
