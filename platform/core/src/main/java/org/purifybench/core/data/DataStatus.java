package org.purifybench.core.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What {@code purifybench data list} shows: per catalog dataset, where it is looked for and whether
 * it is there and came from a verified archive. Cheap: it reads manifests, it does not hash files
 * (loading does that, and reports the result in {@link Dataset#verification()}).
 */
public final class DataStatus {
    /** One line of the listing. */
    public record Line(String id, Path folder, boolean present, String status) {
    }

    private DataStatus() {
    }

    public static List<Line> of(DataCatalog catalog, Path dataDir) {
        List<Line> lines = new ArrayList<>();
        for (DataCatalog.Entry e : catalog.entries()) {
            Path folder = DataDir.of(dataDir, e.id());
            if (!Files.isDirectory(folder)) {
                lines.add(new Line(e.id(), folder, false, "missing: " + e.addCommand()));
                continue;
            }
            Optional<DataManifest> m = DataManifest.read(folder);
            lines.add(new Line(e.id(), folder, true, m.map(x -> "present, added " + x.addedAt() + " from verified "
                    + String.join(" + ", x.archives().stream().map(DataManifest.ArchiveRecord::name).toList())
                    + " (files are re-checked when loaded)").orElse("present, no " + DataManifest.FILE_NAME
                    + ": UNVERIFIED unless its files have published checksums (checked when loaded)")));
        }
        boolean fashion = Files.isDirectory(FashionMnist.DEFAULT_DIR);
        lines.add(new Line(Datasets.FASHION_MNIST, FashionMnist.DEFAULT_DIR, fashion, fashion
                ? "present (Debian package dataset-fashion-mnist; not checked against published checksums)"
                : "missing: apt-get install dataset-fashion-mnist"));
        return lines;
    }
}
