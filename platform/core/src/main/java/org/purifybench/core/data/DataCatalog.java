package org.purifybench.core.data;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.purifybench.core.UserException;

/**
 * The contract between the loaders and the published datasets: per dataset id, the official
 * archives, where they are published, their PUBLISHED checksums (each with its source), the folder
 * an archive unpacks to, and per-file checksums where someone published them. Nothing here was
 * computed by this project: a value without a published source is left out (null), not invented.
 * Tests build their own catalog (the constructor is public) whose checksums match generated archives.
 */
public final class DataCatalog {
    /**
     * One downloadable file.
     *
     * @param fileName the official archive name
     * @param urls     official download locations (the first is shown to users)
     * @param md5      published MD5, lower-case hex
     * @param sha256   published SHA-256, or null where none is published
     * @param size     published size in bytes, or -1 where none is published
     * @param source   where the checksums were published (repository and path, or page)
     */
    public record Archive(String fileName, List<String> urls, String md5, String sha256, long size, String source) {
        public Archive {
            Objects.requireNonNull(fileName, "fileName");
            urls = List.copyOf(urls);
            Objects.requireNonNull(md5, "md5");
            Objects.requireNonNull(source, "source");
        }

        /** Whether a file with these digests is this archive (every published checksum must agree). */
        public boolean matches(Checksums.Digest digest) {
            return md5.equalsIgnoreCase(digest.md5()) && (sha256 == null || sha256.equalsIgnoreCase(digest.sha256()))
                    && (size < 0 || size == digest.size());
        }

        /** "md5 X (sha256 Y)" as published, for messages. */
        public String published() {
            return "md5 " + md5 + (sha256 == null ? "" : ", sha256 " + sha256) + (size < 0 ? "" : ", " + size + " bytes");
        }
    }

    /**
     * One complete way to get a dataset: the archives that together make it (GTSRB needs three), the
     * folder they unpack to, and the published md5 of unpacked files (relative to {@code folder}) if any.
     */
    public record Variant(String name, List<Archive> archives, String folder, Map<String, String> fileMd5, String fileMd5Source) {
        public Variant {
            archives = List.copyOf(archives);
            fileMd5 = Map.copyOf(fileMd5);
        }
    }

    /** A dataset id and its variants, with a one-line description of the layout the loader expects. */
    public record Entry(String id, String title, List<Variant> variants, String layout) {
        public Entry {
            variants = List.copyOf(variants);
        }

        /** The first variant: the one error messages recommend. */
        public Variant preferred() {
            return variants.get(0);
        }

        public Optional<Variant> variant(String name) {
            return variants.stream().filter(v -> v.name().equals(name)).findFirst();
        }

        /** The fix for a missing dataset: where to get it, its checksum, and the command that installs it. */
        public String howToAdd() {
            StringBuilder b = new StringBuilder("download ");
            List<Archive> archives = preferred().archives();
            for (int i = 0; i < archives.size(); i++) {
                Archive a = archives.get(i);
                b.append(i == 0 ? "" : " and ").append(a.fileName()).append(" (").append(a.urls().isEmpty() ? "" : a.urls().get(0) + ", ")
                        .append("md5 ").append(a.md5()).append(')');
            }
            return b.append(" and run: ").append(addCommand()).append(" (a downloaded archive's path works in place of the URL)")
                    .append(", or point dataset.path at a folder holding the unpacked files").toString();
        }

        /** The exact command that installs the preferred variant from its official URL(s). */
        public String addCommand() {
            StringBuilder b = new StringBuilder("purifybench data add ").append(id);
            for (Archive a : preferred().archives()) {
                b.append(' ').append(a.urls().isEmpty() ? a.fileName() : a.urls().get(0));
            }
            return b.toString();
        }
    }

    private static final String TORONTO = "https://www.cs.toronto.edu/~kriz/";
    private static final String GTSRB_BASE = "https://sid.erda.dk/public/archives/daaeac0d7ce1152aea9b61d9f1e19370/";
    private static final String TORCHVISION_CIFAR = "pytorch/vision torchvision/datasets/cifar.py";

    private static final DataCatalog OFFICIAL = new DataCatalog(List.of(
            new Entry(Datasets.CIFAR10, "CIFAR-10", List.of(
                    new Variant("binary", List.of(new Archive("cifar-10-binary.tar.gz", List.of(TORONTO + "cifar-10-binary.tar.gz"),
                            // md5: the authors' page https://www.cs.toronto.edu/~kriz/cifar.html (its table is quoted in many
                            // repositories; also the git-annex key MD5E-s170052171--c32a1d4a... in datasets-mila/datasets--cifar100);
                            // sha256 and size: tensorflow/datasets tensorflow_datasets/url_checksums/cifar10.txt
                            "c32a1d4ab5d03f1284b67883e8d87530", "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
                            170052171L, "md5: www.cs.toronto.edu/~kriz/cifar.html; sha256: tensorflow/datasets"
                            + " tensorflow_datasets/url_checksums/cifar10.txt")),
                            // nobody publishes the md5 of the unpacked .bin files: the archive's checksum (kept in the
                            // data-add manifest) is what vouches for them
                            "cifar-10-batches-bin", Map.of(), null),
                    new Variant("python", List.of(new Archive("cifar-10-python.tar.gz", List.of(TORONTO + "cifar-10-python.tar.gz"),
                            // md5: pytorch/vision torchvision/datasets/cifar.py (tgz_md5), same as the authors' page
                            "c58f30108f718f92721af3b95e74349a", null, -1, TORCHVISION_CIFAR + " (tgz_md5)")),
                            "cifar-10-batches-py",
                            // per-file md5: pytorch/vision torchvision/datasets/cifar.py (train_list, test_list)
                            Map.of("data_batch_1", "c99cafc152244af753f735de768cd75f",
                                    "data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec",
                                    "data_batch_3", "54ebc095f3ab1f0389bbae665268c751",
                                    "data_batch_4", "634d18415352ddfa80567beed471001a",
                                    "data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb",
                                    "test_batch", "40351d587109b95175f43aff81a1287e"),
                            TORCHVISION_CIFAR + " (train_list, test_list)")),
                    "cifar10/cifar-10-batches-bin/{data_batch_1..5,test_batch}.bin or cifar10/cifar-10-batches-py/{data_batch_1..5,test_batch}"),
            new Entry(Datasets.CIFAR100, "CIFAR-100 (fine labels)", List.of(
                    new Variant("binary", List.of(new Archive("cifar-100-binary.tar.gz", List.of(TORONTO + "cifar-100-binary.tar.gz"),
                            // md5: the authors' page, as recorded in datasets-mila/datasets--cifar100 md5sums;
                            // sha256 and size: tensorflow/datasets tensorflow_datasets/url_checksums/cifar100.txt
                            "03b5dce01913d631647c71ecec9e9cb8", "58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec",
                            168513733L, "md5: www.cs.toronto.edu/~kriz/cifar.html (datasets-mila/datasets--cifar100 md5sums);"
                            + " sha256: tensorflow/datasets tensorflow_datasets/url_checksums/cifar100.txt")),
                            "cifar-100-binary", Map.of(), null),
                    new Variant("python", List.of(new Archive("cifar-100-python.tar.gz", List.of(TORONTO + "cifar-100-python.tar.gz"),
                            // md5: pytorch/vision torchvision/datasets/cifar.py (CIFAR100.tgz_md5)
                            "eb9058c3a382ffc7106e4002c42a8d85", null, -1, TORCHVISION_CIFAR + " (CIFAR100.tgz_md5)")),
                            "cifar-100-python",
                            // per-file md5: pytorch/vision torchvision/datasets/cifar.py (CIFAR100.train_list, test_list)
                            Map.of("train", "16019d7e3df5f24257cddd939b257f8d", "test", "f0ef6b0ae62326f3e7ffdfab6717acfc"),
                            TORCHVISION_CIFAR + " (CIFAR100.train_list, test_list)")),
                    "cifar100/cifar-100-binary/{train,test}.bin or cifar100/cifar-100-python/{train,test}"),
            new Entry(Datasets.TINY_IMAGENET, "Tiny-ImageNet-200", List.of(
                    new Variant("zip", List.of(new Archive("tiny-imagenet-200.zip", List.of("http://cs231n.stanford.edu/tiny-imagenet-200.zip"),
                            // md5: not published by the course; the value every common loader checks, e.g.
                            // ContinualAI/avalanche avalanche/benchmarks/datasets/tiny_imagenet/tiny_imagenet.py
                            "90528d7ca1a48142e341f4ef8d21d0de", null, -1,
                            "ContinualAI/avalanche avalanche/benchmarks/datasets/tiny_imagenet/tiny_imagenet.py (commonly cited;"
                            + " the authors publish none)")),
                            "tiny-imagenet-200", Map.of(), null)),
                    "tiny-imagenet/tiny-imagenet-200/{wnids.txt,train/<wnid>/images/*.JPEG,val/images/*.JPEG,val/val_annotations.txt}"),
            new Entry(Datasets.GTSRB, "GTSRB (43 classes, resized to 32x32)", List.of(
                    new Variant("torchvision", List.of(
                            // all three md5s: pytorch/vision torchvision/datasets/gtsrb.py (download())
                            new Archive("GTSRB-Training_fixed.zip", List.of(GTSRB_BASE + "GTSRB-Training_fixed.zip"),
                                    "513f3c79a4c5141765e10e952eaa2478", null, -1, "pytorch/vision torchvision/datasets/gtsrb.py"),
                            new Archive("GTSRB_Final_Test_Images.zip", List.of(GTSRB_BASE + "GTSRB_Final_Test_Images.zip"),
                                    "c7e4e6327067d32654124b0fe9e82185", null, -1, "pytorch/vision torchvision/datasets/gtsrb.py"),
                            new Archive("GTSRB_Final_Test_GT.zip", List.of(GTSRB_BASE + "GTSRB_Final_Test_GT.zip"),
                                    "fe31e9c9270bbcd7b84b7f21a9d9d9e5", null, -1, "pytorch/vision torchvision/datasets/gtsrb.py")),
                            ".", Map.of(), null)),
                    "gtsrb/GTSRB/Training/<class>/{*.ppm,GT-<class>.csv} (or GTSRB/Final_Training/Images/<class>/),"
                            + " gtsrb/GTSRB/Final_Test/Images/*.ppm, gtsrb/GT-final_test.csv")));

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    public DataCatalog(List<Entry> entries) {
        for (Entry e : entries) {
            if (this.entries.put(e.id(), e) != null) {
                throw new IllegalArgumentException("dataset " + e.id() + " listed twice");
            }
        }
    }

    /** The published archives of the paper's datasets. */
    public static DataCatalog official() {
        return OFFICIAL;
    }

    public List<Entry> entries() {
        return List.copyOf(entries.values());
    }

    public Optional<Entry> find(String id) {
        return Optional.ofNullable(entries.get(id));
    }

    /** The entry of {@code id}, or a user error listing the ids that can be added. */
    public Entry entry(String id) {
        Entry e = entries.get(id);
        if (e == null) {
            throw new UserException("no dataset '" + id + "' in the data catalog; it knows: " + String.join(", ", entries.keySet()),
                    "use one of: " + String.join(", ", entries.keySet()));
        }
        return e;
    }
}
