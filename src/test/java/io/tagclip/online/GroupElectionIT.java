package io.tagclip.online;

import static org.assertj.core.api.Assertions.assertThat;

import io.tagclip.testing.LocalStack;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The trainer election against the real broker: who holds partition 0, and what moves it. */
class GroupElectionIT {

    private final LocalStack stack = LocalStack.get();
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    /**
     * A range assignor would give partition 0 to the member whose id sorts first; member ids start with the client
     * id, so the newcomer here ("a-...") would win it from the trainer ("z-...") under one.
     */
    @Test
    void shouldKeepTheTrainerWhileMembersJoinAndMoveItOnlyWhenItLeaves() {
        String topic = "election-samples-" + run;
        stack.createTopic(topic, 2);
        String group = "election-" + run;
        try (GroupElection trainer = member("z-trainer", group, topic)) {
            awaitWhileAlive(trainer::leads, "the first member leads", trainer);
            try (GroupElection newcomer = member("a-newcomer", group, topic)) {
                awaitWhileAlive(
                        () -> trainer.holds().size() == 1 && newcomer.holds().size() == 1,
                        "one partition each",
                        trainer,
                        newcomer);
                assertThat(trainer.leads()).as("the trainer still leads").isTrue();
                assertThat(newcomer.holds()).as("the newcomer").containsExactly(new TopicPartition(topic, 1));
                assertThat(newcomer.leads()).as("the newcomer does not lead").isFalse();

                trainer.close(); // leaves the group: no session timeout to wait for
                awaitWhileAlive(newcomer::leads, "the newcomer leads once the trainer has left", newcomer);
            }
        }
    }

    private GroupElection member(String clientId, String group, String topic) {
        return GroupElection.join(
                Map.of("bootstrap.servers", stack.bootstrapServers(), "client.id", clientId), group, topic);
    }

    /** Keeps the members' memberships alive (as the sample loop does) until the condition holds. */
    private static void awaitWhileAlive(BooleanSupplier condition, String what, GroupElection... members) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("within 30 s: " + what).isLessThan(deadline);
            for (GroupElection member : List.of(members)) {
                member.keepAlive();
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting until " + what, e);
            }
        }
    }
}
