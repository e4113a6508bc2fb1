package org.purifybench.core.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads binary PPM (P6) images, GTSRB's format. Written by hand: the format is a short text header
 * and raw RGB bytes, and the JDK's ImageIO has no PNM reader.
 */
final class Ppm {
    /** Interleaved RGB bytes, row-major. */
    record Image(int width, int height, byte[] rgb) {
    }

    private Ppm() {
    }

    static Image read(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        int[] pos = {0};
        if (b.length < 2 || b[0] != 'P' || b[1] != '6') {
            throw new IOException(file + " is not a binary PPM (P6) image");
        }
        pos[0] = 2;
        int width = number(b, pos, file);
        int height = number(b, pos, file);
        int maxval = number(b, pos, file);
        if (width <= 0 || height <= 0 || maxval <= 0 || maxval > 255) {
            throw new IOException(file + " declares " + width + "x" + height + " with maxval " + maxval + " (8-bit P6 expected)");
        }
        int start = pos[0] + 1; // exactly one whitespace byte ends the header
        long size = (long) width * height * 3;
        if (b.length - start < size) {
            throw new IOException(file + " is truncated: " + (b.length - start) + " pixel bytes for " + width + "x" + height);
        }
        byte[] rgb = new byte[(int) size];
        System.arraycopy(b, start, rgb, 0, rgb.length);
        if (maxval != 255) {
            for (int i = 0; i < rgb.length; i++) {
                rgb[i] = (byte) Math.round((rgb[i] & 0xff) * 255.0 / maxval);
            }
        }
        return new Image(width, height, rgb);
    }

    /** The next decimal number of the header, skipping whitespace and '#' comments. */
    private static int number(byte[] b, int[] pos, Path file) throws IOException {
        int i = pos[0];
        while (i < b.length && (Character.isWhitespace(b[i]) || b[i] == '#')) {
            if (b[i] == '#') {
                while (i < b.length && b[i] != '\n') {
                    i++;
                }
            } else {
                i++;
            }
        }
        long value = 0;
        int digits = 0;
        while (i < b.length && b[i] >= '0' && b[i] <= '9' && digits < 9) {
            value = value * 10 + (b[i] - '0');
            i++;
            digits++;
        }
        if (digits == 0) {
            throw new IOException(file + " has a damaged PPM header");
        }
        pos[0] = i;
        return (int) value;
    }
}
