package io.tagclip.cli;

import io.tagclip.cdul.HeadManifest;
import io.tagclip.cdul.LinearHead;
import io.tagclip.cdul.TrainedHead;
import io.tagclip.cdul.TrainingOptions;
import io.tagclip.inference.CdulTraining;
import io.tagclip.pipeline.Method;
import io.tagclip.tagging.DecisionOptions;
import io.tagclip.tagging.TagClipParams;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tagclip train} ({@code --method cdul}, the default and only choice): CDUL's training stage on a folder of unlabelled images. The teacher labels
 * every image, CLIP's global pass encodes it, and a linear head is fitted with gradient alignment and written to
 * {@code --out} ({@value LinearHead#WEIGHTS_FILE} and {@value HeadManifest#FILE}).
 */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Train a CDUL head on a folder of unlabelled images, labelled by a teacher method "
                + "(--method defaults to cdul here, the only method that trains).")
final class TrainCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Option(
            names = "--teacher",
            defaultValue = "cdul-global-local",
            paramLabel = "tagclip|cdul-global-local",
            description = "Method whose scores are the initial pseudo labels (default: ${DEFAULT-VALUE}).")
    String teacher;

    @Option(
            names = "--images",
            required = true,
            paramLabel = "DIR",
            description = "Folder of training images (jpg, png, gif, bmp, webp; not recursive).")
    Path images;

    @Option(names = "--out", required = true, paramLabel = "HEAD_DIR", description = "Folder the head is written to.")
    Path out;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--epochs",
            defaultValue = "200",
            paramLabel = "N",
            description = "Most epochs; early stopping usually ends sooner (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(
            names = "--no-alignment",
            description = "Train on the teacher's labels as they are, without refining them (for comparison).")
    boolean noAlignment;

    @Mixin
    Progress.Choice progress;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (!spec.commandLine().getParseResult().hasMatchedOption("--method")) {
            model.method = Method.CDUL.id(); // the only method that trains: no need to name it
        }
        if (model.method() != Method.CDUL) {
            throw new IllegalArgumentException("train supports --method cdul only, got " + model.method());
        }
        Method teacherMethod = Method.of(teacher);
        if (!CdulTraining.TEACHERS.contains(teacherMethod)) {
            throw new IllegalArgumentException("--teacher must be tagclip or cdul-global-local, got " + teacher);
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("--epochs must be at least 1, got " + epochs);
        }
        PathOptions.folder("--images", images);
        model.checkPaths();
        List<Path> files = ImageFiles.expand(List.of(images));
        if (files.isEmpty()) {
            throw new IllegalArgumentException("--images holds no image files: " + images);
        }
        TrainingOptions options =
                TrainingOptions.DEFAULTS.withSeed(seed).withMaxEpochs(epochs).withAlignment(!noAlignment);
        PrintWriter err = spec.commandLine().getErr();
        Progress.Style style = progress.style();
        ImageFiles decoder = new ImageFiles();
        TrainedHead head;
        try (ModelOptions.Prepared prepared =
                        model.prepare(TagClipParams.REFERENCE, DecisionOptions.REFERENCE, false, err, style);
                Progress shown = new Progress("train: labelling", "images", files.size(), err, style)) {
            long[] done = {0};
            head = new CdulTraining(prepared.loaded().model(), prepared.ensemble(), prepared.settings())
                    .train(teacherMethod, prepared.vocabularies(), files, decoder::decode, options, count -> {
                        shown.advance(count - done[0]);
                        done[0] = count;
                    });
        }
        head.save(out);
        HeadManifest m = head.manifest();
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.printf(
                Locale.ROOT,
                "head %s -> %s%n  model %s @ %s, vocabulary %s (version %s), teacher %s%n"
                        + "  %d training + %d held-out images, %d epochs (best %d), held-out KL %.4f%n",
                m.version(),
                out,
                m.modelId(),
                m.modelRevision(),
                m.vocabularyId(),
                m.vocabularyVersion(),
                m.teacher(),
                m.trainingSamples(),
                m.heldOutSamples(),
                m.metrics().get("epochs").intValue(),
                m.metrics().get("bestEpoch").intValue(),
                m.metrics().get("heldOutKl"));
        stdout.flush();
        return 0;
    }
}
