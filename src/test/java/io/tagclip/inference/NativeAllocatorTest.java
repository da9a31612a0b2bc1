package io.tagclip.inference;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NativeAllocatorTest {

    @Test
    void shouldWarnOnTheCpuWhenTheSettingsAreMissing() {
        assertThat(NativeAllocator.warning(Device.cpu(), Map.of(), "Linux"))
                .hasValueSatisfying(w -> assertThat(w)
                        .contains("GLIBC_TUNABLES=(unset)", "glibc.malloc.arena_max=1", NativeAllocator.TUNABLES));
        assertThat(NativeAllocator.warning(Device.cpu(), Map.of("GLIBC_TUNABLES", "glibc.malloc.arena_max=1"), "Linux"))
                .hasValueSatisfying(w -> assertThat(w).contains("lacks glibc.malloc.mmap_max=0"));
    }

    @Test
    void shouldNotWarnWhenTheSettingsAreThereOrDoNotApply() {
        assertThat(NativeAllocator.warning(Device.cpu(), Map.of("GLIBC_TUNABLES", NativeAllocator.TUNABLES), "Linux"))
                .isEmpty();
        assertThat(NativeAllocator.warning(Device.gpu(), Map.of(), "Linux")).isEmpty();
        assertThat(NativeAllocator.warning(Device.cpu(), Map.of(), "Mac OS X")).isEmpty();
        // The test JVMs run with the launchers' settings (pom.xml), so this process needs no warning.
        assertThat(NativeAllocator.warning(Device.cpu())).isEmpty();
    }
}
