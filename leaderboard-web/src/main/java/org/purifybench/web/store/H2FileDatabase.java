package org.purifybench.web.store;

import io.micronaut.configuration.jdbc.hikari.DatasourceConfiguration;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an H2 file database to its owner: the database holds submitters' contacts, and H2 creates its
 * files with the process's umask (usually 0644). Before the connection pool opens the database, its
 * folder is created 0700 (an existing one is tightened when it holds nothing but this database); once
 * the pool has opened it, the database's files are set to 0600. Files H2 makes later (a trace file)
 * sit in the closed folder. Nothing happens for PostgreSQL, in-memory or server URLs, or off POSIX.
 */
public final class H2FileDatabase {

    private static final Logger LOG = LoggerFactory.getLogger(H2FileDatabase.class);
    static final Set<PosixFilePermission> FOLDER = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    /** H2's "database may be already in use" (another process holds the file lock). */
    static final int DATABASE_ALREADY_OPEN = 90020;

    private H2FileDatabase() {
    }

    /**
     * The database's base path (files are BASE.mv.db, BASE.trace.db, ...) for an embedded H2 file URL:
     * {@code jdbc:h2:file:PATH} or {@code jdbc:h2:PATH}, settings after ';' ignored, ~ for the home folder.
     */
    public static Optional<Path> basePath(String url) {
        if (url == null || !url.regionMatches(true, 0, "jdbc:h2:", 0, 8)) {
            return Optional.empty();
        }
        String rest = url.substring(8);
        int semicolon = rest.indexOf(';');
        String name = semicolon < 0 ? rest : rest.substring(0, semicolon);
        if (name.toLowerCase(Locale.ROOT).startsWith("file:")) {
            name = name.substring(5);
        } else if (name.matches("(?i)^[a-z][a-z0-9]+:.*")) {
            return Optional.empty(); // mem:, tcp:, ssl:, zip:, nio:, split:...: not one plain local file
        }
        if (name.isBlank()) {
            return Optional.empty();
        }
        if (name.equals("~") || name.startsWith("~/")) {
            name = System.getProperty("user.home") + name.substring(1);
        }
        return Optional.of(Path.of(name).toAbsolutePath().normalize());
    }

    /** Whether the chain of causes says another process holds this H2 database (the file lock). */
    public static boolean heldByAnotherProcess(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && sql.getErrorCode() == DATABASE_ALREADY_OPEN) {
                return true;
            }
        }
        return false;
    }

    private static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    /** Creates the folder 0700, or tightens an existing one that is this database's alone; tightens the files. */
    static void prepare(Path base) {
        if (!posix()) {
            return;
        }
        Path folder = base.getParent();
        try {
            if (!Files.exists(folder)) {
                if (folder.getParent() != null) {
                    Files.createDirectories(folder.getParent());
                }
                Files.createDirectory(folder, PosixFilePermissions.asFileAttribute(FOLDER));
                Files.setPosixFilePermissions(folder, FOLDER); // the umask may have taken bits from the attribute
                return;
            }
            if (ownFilesOnly(base)) {
                Files.setPosixFilePermissions(folder, FOLDER);
            } else if (!Files.getPosixFilePermissions(folder).equals(FOLDER)) {
                LOG.warn("The H2 database folder {} holds other files and is open to other users: its database files"
                        + " are made 0600, but give the database a folder of its own (PURIFYBENCH_DB_URL) so that files"
                        + " H2 creates later are private too", folder);
            }
            tightenFiles(base);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the database folder " + folder + ": " + e.getMessage()
                    + " - check that this user may create and change it, or set PURIFYBENCH_DB_URL", e);
        }
    }

    private static List<Path> files(Path base) throws IOException {
        String prefix = base.getFileName() + ".";
        try (Stream<Path> s = Files.list(base.getParent())) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
        }
    }

    private static boolean ownFilesOnly(Path base) throws IOException {
        try (Stream<Path> s = Files.list(base.getParent())) {
            return s.allMatch(p -> p.getFileName().toString().startsWith(base.getFileName() + "."));
        }
    }

    /** BASE.* files to 0600 (links are left alone: they may point anywhere). */
    static void tightenFiles(Path base) {
        if (!posix() || !Files.isDirectory(base.getParent())) {
            return;
        }
        try {
            for (Path p : files(base)) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.setPosixFilePermissions(p, FILE);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the database files " + base + ".* private: " + e.getMessage(), e);
        }
    }

    /** Before the pool connects: the folder. */
    @Singleton
    static final class BeforeConnect implements BeanCreatedEventListener<DatasourceConfiguration> {
        @Override
        public DatasourceConfiguration onCreated(BeanCreatedEvent<DatasourceConfiguration> event) {
            DatasourceConfiguration config = event.getBean();
            if (config.getUrl() != null && config.getUrl().toUpperCase(Locale.ROOT).contains("AUTO_SERVER=TRUE")) {
                LOG.warn("The database URL has AUTO_SERVER=TRUE: H2 then listens on a TCP port on every network interface"
                        + " and anyone who reads the lock file can connect. Remove it (see docs/leaderboard.md)");
            }
            basePath(config.getUrl()).ifPresent(H2FileDatabase::prepare);
            return config;
        }
    }

    /** After the pool has opened the database (Hikari connects when it is built): the files it created. */
    @Singleton
    static final class AfterConnect implements BeanCreatedEventListener<DataSource> {
        private final List<DatasourceConfiguration> configs;

        AfterConnect(List<DatasourceConfiguration> configs) {
            this.configs = configs;
        }

        @Override
        public DataSource onCreated(BeanCreatedEvent<DataSource> event) {
            for (DatasourceConfiguration c : configs) {
                basePath(c.getUrl()).ifPresent(H2FileDatabase::tightenFiles);
            }
            return event.getBean();
        }
    }
}
