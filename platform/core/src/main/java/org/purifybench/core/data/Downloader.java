package org.purifybench.core.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.purifybench.core.UserException;

/**
 * Downloads one archive for {@code purifybench data add}, and only there: runs never touch the
 * network. Bytes go to {@code NAME.partial} and the file gets its name only when complete, with
 * progress on the given stream.
 */
final class Downloader {
    private final PrintStream progress;
    private final long maxBytes;

    Downloader(PrintStream progress, long maxBytes) {
        this.progress = progress;
        this.maxBytes = maxBytes;
    }

    /** Downloads {@code url} into {@code folder}; returns the complete file. */
    Path download(URI url, Path folder) {
        String name = fileName(url);
        Path partial = folder.resolve(name + ".partial");
        Path done = folder.resolve(name);
        HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(30)).build();
        try {
            Files.createDirectories(folder);
            HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(url).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                if (response.statusCode() != 200) {
                    throw new UserException("download of " + url + " failed: HTTP " + response.statusCode(),
                            "check the URL, or download the archive another way and pass its path instead");
                }
                long total = response.headers().firstValueAsLong("Content-Length").orElse(-1);
                copy(in, partial, total, url);
            }
            Files.move(partial, done, StandardCopyOption.REPLACE_EXISTING);
            return done;
        } catch (IOException e) {
            throw new UserException("download of " + url + " failed: " + e.getMessage(),
                    "try again (the partial file " + partial + " is replaced), or download the archive another way and pass its path", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserException("download of " + url + " was interrupted", "run the command again");
        }
    }

    private void copy(InputStream in, Path partial, long total, URI url) throws IOException {
        long written = 0;
        long lastReport = System.nanoTime();
        byte[] buffer = new byte[1 << 16];
        progress.println("downloading " + url + (total > 0 ? " (" + mb(total) + ")" : ""));
        try (OutputStream out = Files.newOutputStream(partial)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                written += n;
                if (written > maxBytes) {
                    throw new UserException("download of " + url + " exceeds " + mb(maxBytes), "this is not a dataset archive");
                }
                out.write(buffer, 0, n);
                if (System.nanoTime() - lastReport > 2_000_000_000L) {
                    progress.println("  " + mb(written) + (total > 0 ? " of " + mb(total) + " (" + (100 * written / total) + "%)" : ""));
                    lastReport = System.nanoTime();
                }
            }
        }
        if (total > 0 && written != total) {
            throw new IOException("the server announced " + total + " bytes but sent " + written);
        }
        progress.println("  done: " + mb(written));
    }

    static String fileName(URI url) {
        String path = url.getPath() == null ? "" : url.getPath();
        String name = path.substring(path.lastIndexOf('/') + 1);
        if (name.isEmpty() || name.startsWith(".") || !name.matches("[A-Za-z0-9._-]+")) {
            throw new UserException("cannot tell an archive name from the URL " + url, "use a URL that ends in the archive's file name");
        }
        return name;
    }

    private static String mb(long bytes) {
        return String.format("%.1f MB", bytes / 1e6);
    }
}
