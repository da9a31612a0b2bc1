package io.tagclip.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tagclip.avro.CdulHead;
import io.tagclip.cdul.HeadManifest;
import io.tagclip.cdul.LinearHead;
import io.tagclip.cdul.TrainedHead;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class HeadRecordsTest {

    /** A 3-class head of 4 features with Gaussian weights, sealed with its version. */
    static TrainedHead head(long seed) {
        Random random = new Random(seed);
        float[] weight = new float[12];
        float[] bias = new float[3];
        for (int i = 0; i < weight.length; i++) {
            weight[i] = (float) random.nextGaussian();
        }
        bias[1] = 0.25f;
        LinearHead linear = new LinearHead(3, 4, weight, bias);
        Function<String, HeadManifest> manifest = version -> new HeadManifest(
                HeadManifest.FORMAT,
                version,
                "tiny",
                "a0a05cc97c9b",
                224,
                4,
                "pets",
                "0123456789ab",
                List.of("cat", "dog", "bird"),
                "tagclip",
                100,
                20,
                seed,
                Map.of(),
                Map.of("acceptanceKl", 0.5));
        return new TrainedHead(linear, manifest.apply(TrainedHead.version(linear, manifest.apply(""))));
    }

    @Test
    void shouldRoundTripAHeadWithItsWeightsAndManifest() {
        TrainedHead head = head(3);
        CdulHead record = HeadRecords.of(head, "parent-1", "host-a", Instant.EPOCH);

        assertThat(record.getWeight().remaining()).isEqualTo(12 * Float.BYTES);
        assertThat(record.getAcceptance()).containsEntry("acceptanceKl", 0.5);
        TrainedHead back = HeadRecords.toHead("pets", record);
        assertThat(back.head().weight()).containsExactly(head.head().weight());
        assertThat(back.head().bias()).containsExactly(head.head().bias());
        assertThat(back.manifest()).isEqualTo(head.manifest());
    }

    @Test
    void shouldRefuseARecordWhoseWeightsWereChanged() {
        CdulHead record = HeadRecords.of(head(3), null, "host-a", Instant.EPOCH);
        ByteBuffer changed = ByteBuffer.allocate(record.getWeight().remaining());
        changed.put(record.getWeight().duplicate());
        changed.put(0, (byte) (changed.get(0) + 1));
        changed.flip();
        record.setWeight(changed);

        assertThatThrownBy(() -> HeadRecords.toHead("pets", record))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not match its weights");
    }

    @Test
    void shouldRefuseWeightsOfTheWrongSizeAndAKeyOfAnotherVocabulary() {
        CdulHead record = HeadRecords.of(head(3), null, "host-a", Instant.EPOCH);
        assertThatThrownBy(() -> HeadRecords.toHead("animals", record)).hasMessageContaining("keyed 'animals'");

        record.setBias(ByteBuffer.allocate(2));
        assertThatThrownBy(() -> HeadRecords.toHead("pets", record)).hasMessageContaining("bias holds 2 bytes");
    }

    @Test
    void shouldInstallEachNewHeadOnceAndKeepTheHeadInServiceOnABadRecord() {
        List<String> installed = new ArrayList<>();
        List<String> log = new ArrayList<>();
        HeadFleet fleet = new HeadFleet("pets", h -> installed.add(h.manifest().version()), log::add);
        fleet.following();
        assertThat(fleet.synced()).isFalse();

        TrainedHead first = head(3);
        fleet.put("pets", HeadRecords.of(first, null, "host-a", Instant.EPOCH));
        fleet.put("pets", HeadRecords.of(first, null, "host-a", Instant.EPOCH));
        fleet.put("other", HeadRecords.of(head(4), null, "host-a", Instant.EPOCH));
        fleet.invalid("pets", "cannot read record heads-0@7");
        fleet.caughtUp(1);

        assertThat(installed).containsExactly(first.manifest().version());
        assertThat(fleet.installed()).isEqualTo(first.manifest().version());
        assertThat(fleet.detail()).contains("heads-0@7");
        assertThat(fleet.synced()).isTrue();
    }
}
