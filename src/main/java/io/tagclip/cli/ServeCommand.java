package io.tagclip.cli;

import io.quarkus.runtime.Quarkus;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Runs the stream tagger until it is stopped; configured by application.properties, -D and environment. */
@Command(
        name = ServeCommand.NAME,
        mixinStandardHelpOptions = true,
        versionProvider = TagclipCommand.Version.class,
        description = "Run the stream tagger service (the default when no command is given).",
        synopsisHeading = "%nUsage: ",
        customSynopsis = "bin/tagclip [serve] [-Dkey=value ...]",
        footerHeading = "%nConfiguration%n",
        footer = {
            "Every key is a -Dkey=value after 'serve', an environment variable (dots and dashes as",
            "underscores, upper case: TAGGER_BATCH_MAX_SIZE=16), or a line of config/application.properties.",
            "The ones most deployments set:",
            "  kafka.bootstrap.servers       KAFKA_BOOTSTRAP_SERVERS   brokers (localhost:9092)",
            "  tagger.schema-registry-url    SCHEMA_REGISTRY_URL       Confluent-compatible registry",
            "  tagger.model.path | .id       TAGGER_MODEL_PATH | _ID   model folder, checkpoint file or hub id",
            "  tagger.model.vocabulary       TAGGER_MODEL_VOCABULARY   voc2007, coco2014 or a vocabulary file",
            "  tagger.model.method           TAGGER_MODEL_METHOD       tagclip, clip-global, cdul-global-local, cdul",
            "  tagger.topics.input|output|dlq                          image-refs, image-tags, image-refs-dlq",
            "  tagger.fetch.allow-list       TAGGER_FETCH_ALLOW_LIST   hosts the SSRF guard lets through",
            "Every key with its default and meaning: docs/configuration.md."
        })
final class ServeCommand implements Callable<Integer> {

    static final String NAME = "serve";

    @Override
    public Integer call() {
        Quarkus.run();
        return 0;
    }
}
