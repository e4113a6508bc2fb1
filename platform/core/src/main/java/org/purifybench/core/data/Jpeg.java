package org.purifybench.core.data;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Decodes a JPEG with the JDK's ImageIO into RGB planes. Grayscale files (Tiny-ImageNet has some)
 * get their one channel copied to R, G and B, as PIL's {@code convert("RGB")} does; going through
 * {@code getRGB} instead would apply a gamma conversion and change the values.
 */
final class Jpeg {
    private Jpeg() {
    }

    /** The image as 3 planes of height x width bytes (R, then G, then B). */
    static byte[] rgbPlanes(Path file, int expectedHeight, int expectedWidth) throws IOException {
        BufferedImage img = ImageIO.read(file.toFile());
        if (img == null) {
            throw new IOException(file + " is not an image ImageIO can read");
        }
        int h = img.getHeight();
        int w = img.getWidth();
        if (h != expectedHeight || w != expectedWidth) {
            throw new IOException(file + " is " + w + "x" + h + ", expected " + expectedWidth + "x" + expectedHeight);
        }
        byte[] out = new byte[3 * h * w];
        Raster r = img.getRaster();
        int bands = r.getNumBands();
        boolean rgbSamples = bands == 3 && img.getColorModel().getColorSpace().isCS_sRGB();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                if (bands == 1) {
                    byte g = (byte) r.getSample(x, y, 0);
                    out[i] = g;
                    out[h * w + i] = g;
                    out[2 * h * w + i] = g;
                } else if (rgbSamples) {
                    out[i] = (byte) r.getSample(x, y, 0);
                    out[h * w + i] = (byte) r.getSample(x, y, 1);
                    out[2 * h * w + i] = (byte) r.getSample(x, y, 2);
                } else {
                    int argb = img.getRGB(x, y);
                    out[i] = (byte) (argb >> 16);
                    out[h * w + i] = (byte) (argb >> 8);
                    out[2 * h * w + i] = (byte) argb;
                }
            }
        }
        return out;
    }
}
