package io.tagclip.app;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.Map;

/** The real {@code tagger.*} mapping, with its defaults, over the given properties: config as the service reads it. */
final class TaggerConfigs {

    private TaggerConfigs() {}

    static TaggerConfig of(Map<String, String> properties) {
        return new SmallRyeConfigBuilder()
                .withMapping(TaggerConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter()) // Quarkus's "200ms" form
                .withSources(new PropertiesConfigSource(properties, "test", 1000))
                .build()
                .getConfigMapping(TaggerConfig.class);
    }
}
