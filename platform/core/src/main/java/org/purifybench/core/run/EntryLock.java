package org.purifybench.core.run;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.purifybench.core.UserException;

/**
 * An exclusive lock on one cache entry, across threads and processes: a lock of this JVM (file locks
 * belong to the process, so two threads would not exclude each other) and an OS lock on
 * {@code KEY.lock} beside the entry. The OS drops the file lock when its process dies, so a killed
 * task never blocks the entry. On NFS this needs working file locks (NFSv4, or NFSv3 with lockd),
 * as on every cluster's shared home.
 */
final class EntryLock implements AutoCloseable {
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_JVM = new ConcurrentHashMap<>();
    private final ReentrantLock jvmLock;
    private final FileChannel channel;
    private final FileLock fileLock;

    private EntryLock(ReentrantLock jvmLock, FileChannel channel, FileLock fileLock) {
        this.jvmLock = jvmLock;
        this.channel = channel;
        this.fileLock = fileLock;
    }

    static EntryLock acquire(Path root, String key, Consumer<String> log) {
        Path file = root.resolve(key + ".lock").toAbsolutePath().normalize();
        ReentrantLock jvmLock = IN_JVM.computeIfAbsent(file, f -> new ReentrantLock());
        if (!jvmLock.tryLock()) {
            log.accept("cache entry " + key + ": another cell of this run is building it; waiting for it");
            jvmLock.lock();
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                log.accept("cache entry " + key + ": another process is building it; waiting for it");
                lock = channel.lock();
            }
            return new EntryLock(jvmLock, channel, lock);
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            jvmLock.unlock();
            throw new UserException("cannot lock cache entry " + file + ": " + e.getMessage(),
                    "the work folder must allow file locks (on NFS: NFSv4, or NFSv3 with lockd running)");
        }
    }

    @Override
    public void close() {
        try {
            fileLock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        } finally {
            closeQuietly(channel);
            jvmLock.unlock();
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing left to release
            }
        }
    }
}
