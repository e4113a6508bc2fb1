package org.purifybench.core.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What {@code purifybench data add} wrote into a dataset folder: which archives, their digests and
 * the catalog source that vouched for them, and the md5 of every unpacked file, so a loader can
 * tell later whether the files it reads are still those that came out of a verified archive.
 *
 * @param dataset   the dataset id
 * @param variant   the catalog variant the archives matched
 * @param addedAt   ISO-8601 instant of the add
 * @param archives  the archives unpacked, each with the catalog source that published its checksum
 * @param files     md5 of each unpacked file, by path relative to the dataset folder ('/' separated)
 */
public record DataManifest(String dataset, String variant, String addedAt, List<ArchiveRecord> archives, Map<String, String> files) {
    public static final String FILE_NAME = "purifybench-manifest.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * @param name     archive file name
     * @param origin   the local path or URL it came from
     * @param md5      its md5
     * @param sha256   its sha256
     * @param size     its byte count
     * @param matched  the published checksum it matched ("md5 ... (source)")
     */
    public record ArchiveRecord(String name, String origin, String md5, String sha256, long size, String matched) {
    }

    public DataManifest {
        archives = List.copyOf(archives);
        files = new TreeMap<>(files);
    }

    public void write(Path datasetFolder) throws IOException {
        JSON.writeValue(datasetFolder.resolve(FILE_NAME).toFile(), this);
    }

    /** The manifest in {@code datasetFolder}, or empty when there is none or it cannot be read (then nothing is vouched for). */
    public static Optional<DataManifest> read(Path datasetFolder) {
        Path file = datasetFolder.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(file.toFile(), DataManifest.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
