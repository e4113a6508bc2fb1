package org.purifybench.core.sandbox;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The uid (and gid) one sandbox job runs as, held from start to end. The kernel's task limit
 * (RLIMIT_NPROC) counts every process and thread of a uid on the host, so jobs that shared one uid
 * (65534 before) could starve each other: a thread bomb in one made thread creation fail in every
 * other sandbox on the machine. A distinct uid per concurrent job keeps the limit per job. Jobs of
 * every PurifyBench process on the host coordinate through lock files (an OS file lock dies with its
 * process, so a crashed harness frees its uids); the range lies far above the uids distributions give
 * to users and system accounts.
 */
final class JobUid implements AutoCloseable {
    static final int FIRST = 1_630_000;
    static final int COUNT = 4096;
    static final Path LOCKS = Path.of(System.getProperty("purifybench.sandbox.uid-locks", "/tmp/purifybench-sandbox-uids"));

    private final int uid;
    private final FileChannel channel;
    private final FileLock lock;

    private JobUid(int uid, FileChannel channel, FileLock lock) {
        this.uid = uid;
        this.channel = channel;
        this.lock = lock;
    }

    int uid() {
        return uid;
    }

    /** A uid no other running job holds; tried in random order so concurrent harnesses rarely collide. */
    static JobUid acquire() throws IOException {
        Files.createDirectories(LOCKS);
        List<Integer> order = new ArrayList<>(COUNT);
        for (int i = 0; i < COUNT; i++) {
            order.add(FIRST + i);
        }
        Collections.shuffle(order);
        for (int uid : order) {
            FileChannel ch = FileChannel.open(LOCKS.resolve(uid + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                FileLock l = ch.tryLock();
                if (l != null) {
                    return new JobUid(uid, ch, l);
                }
            } catch (OverlappingFileLockException heldHere) {
                // another job of this JVM has it
            }
            ch.close();
        }
        throw new IOException(COUNT + " sandbox jobs are running on this machine already (uids " + FIRST + ".." + (FIRST + COUNT - 1)
                + " are all held, see " + LOCKS + ")");
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
