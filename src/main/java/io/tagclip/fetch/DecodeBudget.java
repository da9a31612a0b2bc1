package io.tagclip.fetch;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bytes of decoded pixels that may be in memory at once across every thread that decodes. A decode reserves its
 * estimate (from the image header) before it starts and releases it when it has ended. A reservation is admitted when
 * it fits in what is left of the budget, or when nothing at all is reserved: an image larger than the whole budget
 * runs alone. So the reserved total never exceeds the budget plus one image. Waiting reservations are admitted in
 * arrival order, so a stream of small images cannot starve a large one. Thread-safe.
 */
public final class DecodeBudget {

    private final long capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Reservation> queue = new ArrayDeque<>();
    private long reserved;
    private long peak;

    /** @param capacity bytes that reservations may hold together (one larger reservation may hold more, alone) */
    public DecodeBudget(long capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("decode budget must be at least 1 byte, got " + capacity);
        }
        this.capacity = capacity;
    }

    /** Bytes held by one decode; {@link #close()} gives them back (again is a no-op). */
    public final class Reservation implements AutoCloseable {

        private final long bytes;
        private boolean admitted;
        private boolean closed;

        private Reservation(long bytes) {
            this.bytes = bytes;
        }

        /** The bytes this reservation holds. */
        public long bytes() {
            return bytes;
        }

        @Override
        public void close() {
            lock.lock();
            try {
                if (admitted && !closed) {
                    closed = true;
                    reserved -= bytes;
                    changed.signalAll();
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Reserves {@code bytes}, waiting while earlier reservations are waiting or while the bytes do not fit beside what
     * is reserved.
     *
     * @return the admitted reservation, or empty when it was not admitted within {@code timeout}
     * @throws InterruptedException when the waiting thread is interrupted; nothing stays reserved
     */
    public Optional<Reservation> reserve(long bytes, Duration timeout) throws InterruptedException {
        if (bytes < 0) {
            throw new IllegalArgumentException("cannot reserve a negative number of bytes: " + bytes);
        }
        Reservation reservation = new Reservation(bytes);
        long left = timeout.toNanos();
        lock.lockInterruptibly();
        try {
            queue.addLast(reservation);
            try {
                while (!admissible(reservation)) {
                    if (left <= 0) {
                        return Optional.empty();
                    }
                    left = changed.awaitNanos(left);
                }
            } finally {
                if (!reservation.admitted) {
                    queue.remove(reservation);
                    changed.signalAll(); // the next one in line may fit now
                }
            }
            return Optional.of(reservation);
        } finally {
            lock.unlock();
        }
    }

    /** Admits {@code r} (and returns true) when it is first in line and fits, or nothing is reserved. */
    private boolean admissible(Reservation r) {
        if (queue.peekFirst() != r || (reserved > 0 && reserved + r.bytes > capacity)) {
            return false;
        }
        queue.removeFirst();
        r.admitted = true;
        reserved += r.bytes;
        peak = Math.max(peak, reserved);
        changed.signalAll(); // the next in line may fit beside this one
        return true;
    }

    /** Bytes reservations may hold together. */
    public long capacity() {
        return capacity;
    }

    /** Bytes reserved now. */
    public long reserved() {
        lock.lock();
        try {
            return reserved;
        } finally {
            lock.unlock();
        }
    }

    /** The most bytes that were ever reserved at once. */
    public long peak() {
        lock.lock();
        try {
            return peak;
        } finally {
            lock.unlock();
        }
    }

    /** Reservations waiting to be admitted now. */
    public int waiting() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@code timeout} until nothing is reserved; true when that happened. */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long left = timeout.toNanos();
        lock.lockInterruptibly();
        try {
            while (reserved > 0) {
                if (left <= 0) {
                    return false;
                }
                left = changed.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "DecodeBudget[" + reserved() + " of " + capacity + " bytes reserved]";
    }
}
