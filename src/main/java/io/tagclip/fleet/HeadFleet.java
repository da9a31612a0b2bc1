package io.tagclip.fleet;

import io.tagclip.avro.CdulHead;
import io.tagclip.cdul.TrainedHead;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The fleet's CDUL head on this instance: the {@link TopicFollower} of the heads topic reports every accepted head,
 * and this installs it ({@code installer}: the online pipeline, which switches heads between tagging calls). Every
 * instance installs the same heads in the same order, so all answer with the same head; a restarted instance
 * installs the newest before it is ready ({@link #synced()}). A head for another model or vocabulary, or a record
 * that cannot be read, is reported and skipped; the head in service stays.
 */
public final class HeadFleet implements TopicFollower.Handler<CdulHead> {

    private final String vocabularyId;
    private final Consumer<TrainedHead> installer;
    private final VocabularyFleet.Listener log;
    private boolean following;
    private boolean synced;
    private String installed;
    private String detail = "";

    /**
     * @param vocabularyId the vocabulary of the head's classes: records of other keys are not this instance's
     * @param installer    puts a head in service
     * @param log          hears about every head
     */
    public HeadFleet(String vocabularyId, Consumer<TrainedHead> installer, VocabularyFleet.Listener log) {
        this.vocabularyId = Objects.requireNonNull(vocabularyId, "vocabularyId");
        this.installer = Objects.requireNonNull(installer, "installer");
        this.log = Objects.requireNonNull(log, "log");
    }

    @Override
    public synchronized void following() {
        following = true;
    }

    @Override
    public void put(String key, CdulHead record) {
        if (!key.equals(vocabularyId)) {
            return; // a head of another vocabulary: another deployment's
        }
        TrainedHead head = HeadRecords.toHead(key, record);
        String version = head.manifest().version();
        synchronized (this) {
            if (version.equals(installed)) {
                return;
            }
        }
        installer.accept(head); // refuses a head of another model or vocabulary version before anything changes
        synchronized (this) {
            installed = version;
            detail = "";
        }
        log.on("cdul head " + version + " (parent " + record.getParentVersion() + ", trained by "
                + record.getPublishedBy() + ") installed from the heads topic");
    }

    @Override
    public void remove(String key) {
        if (key.equals(vocabularyId)) {
            log.on("the heads topic removed the head of " + key + ": the head in service stays until another comes");
        }
    }

    @Override
    public synchronized void invalid(String key, String why) {
        if (key.equals(vocabularyId)) {
            detail = why;
            log.on("cdul head record not installed: " + why);
        }
    }

    @Override
    public synchronized void caughtUp(long askedAtMillis) {
        synced = true;
    }

    @Override
    public synchronized boolean synced() {
        return !following || synced;
    }

    /** The version installed from the topic, or null. */
    public synchronized String installed() {
        return installed;
    }

    /** Why the last record was not installed, or empty. */
    public synchronized String detail() {
        return detail;
    }
}
