package io.tagclip.inference;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NativeThreadsTest {

    @Test
    void shouldWarnOnTheCpuWhenTheWaitPolicyIsMissingOrOtherwise() {
        assertThat(NativeThreads.warning(Device.cpu(), Map.of("OMP_WAIT_POLICY", "PASSIVE")))
                .isEmpty();
        assertThat(NativeThreads.warning(Device.cpu(), Map.of("OMP_WAIT_POLICY", "passive")))
                .isEmpty();
        assertThat(NativeThreads.warning(Device.cpu(), Map.of()))
                .hasValueSatisfying(w -> assertThat(w).contains("OMP_WAIT_POLICY=(unset)", "OMP_WAIT_POLICY=PASSIVE"));
        assertThat(NativeThreads.warning(Device.cpu(), Map.of("OMP_WAIT_POLICY", "ACTIVE")))
                .hasValueSatisfying(w -> assertThat(w).startsWith("OMP_WAIT_POLICY=ACTIVE"));
        assertThat(NativeThreads.warning(Device.gpu(), Map.of())).isEmpty();
    }

    @Test
    void shouldSizeTheIntraOpThreadsByTheJvmsCpusUnlessSet() {
        String before = System.getProperty(NativeThreads.THREADS_PROPERTY);
        try {
            System.clearProperty(NativeThreads.THREADS_PROPERTY);
            assertThat(NativeThreads.configure()).isEqualTo(Runtime.getRuntime().availableProcessors());
            assertThat(System.getProperty(NativeThreads.THREADS_PROPERTY))
                    .isEqualTo(Integer.toString(Runtime.getRuntime().availableProcessors()));

            System.setProperty(NativeThreads.THREADS_PROPERTY, "3");
            assertThat(NativeThreads.configure())
                    .as("an operator's setting wins")
                    .isEqualTo(3);
        } finally {
            if (before == null) {
                System.clearProperty(NativeThreads.THREADS_PROPERTY);
            } else {
                System.setProperty(NativeThreads.THREADS_PROPERTY, before);
            }
        }
    }
}
