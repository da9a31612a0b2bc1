package io.tagclip.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FirstPassBudgetTest {

    @Test
    void shouldReadBytesAndPercentages() {
        assertThat(FirstPassBudget.parse("8589934592")).isEqualTo(FirstPassBudget.ofBytes(8589934592L));
        assertThat(FirstPassBudget.parse(" 50% ")).isEqualTo(FirstPassBudget.DEFAULT);
        assertThat(FirstPassBudget.parse("12.5%").share()).isEqualTo(0.125);
        assertThat(FirstPassBudget.ofBytes(1234).resolve(Device.cpu())).isEqualTo(1234);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "lots", "0", "-5", "0%", "101%", "8g"})
    void shouldNameAValueThatIsNeitherBytesNorAPercentage(String value) {
        assertThatThrownBy(() -> FirstPassBudget.parse(value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "'" + value + "' is neither a positive number of bytes nor a percentage in (0%, 100%] of the"
                                + " memory left for tensors (such as 50%)");
    }

    /**
     * On the CPU the tensors live beside the heap: a 5 GiB container with a 2 GiB heap leaves 3 GiB, whose half is
     * the default; a heap that takes (nearly) everything still leaves a quarter of the memory.
     */
    @Test
    void shouldLeaveTheHeapOutOfTheHostsMemory() {
        assertThat(FirstPassBudget.hostTensorMemory(5L << 30, 2L << 30)).isEqualTo(3L << 30);
        assertThat(FirstPassBudget.hostTensorMemory(4L << 30, 4L << 30)).isEqualTo(1L << 30);
        long memory = FirstPassBudget.machineMemory();
        long expected =
                FirstPassBudget.hostTensorMemory(memory, Runtime.getRuntime().maxMemory()) / 2;
        assertThat(FirstPassBudget.DEFAULT.resolve(Device.cpu()))
                .isEqualTo(expected)
                .isPositive();
        assertThat(FirstPassBudget.DEFAULT.describe(Device.cpu()))
                .startsWith(expected + " bytes (50% of " + memory + " bytes of memory less a ");
    }
}
