package org.purifybench.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The resize gives Pillow's bytes. Expected values were computed once with Pillow 9.4
 * ({@code Image.new('L', (w, h))}, pixel (x, y) = (37x + 91y + 13xy) mod 256, {@code resize((ow, oh), BILINEAR)}).
 */
class ResizeTest {
    private static byte[] image(int w, int h) {
        byte[] b = new byte[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                b[y * w + x] = (byte) ((x * 37 + y * 91 + x * y * 13) % 256);
            }
        }
        return b;
    }

    private static int[] unsigned(byte[] b) {
        int[] out = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i] & 0xff;
        }
        return out;
    }

    @Test
    void shrinkingMatchesPillowsAntialiasedBilinear() {
        assertArrayEquals(new int[] {110, 141, 141, 122, 145, 137}, unsigned(Resize.planes(image(7, 5), 1, 5, 7, 2, 3)));
    }

    @Test
    void enlargingMatchesPillow() {
        assertArrayEquals(new int[] {0, 19, 43, 68, 93, 111, 36, 58, 85, 114, 142, 163, 91, 116, 149, 183, 216, 241, 146, 175, 187, 124,
                137, 165, 182, 214, 213, 84, 84, 115}, unsigned(Resize.planes(image(4, 3), 1, 3, 4, 5, 6)));
    }

    @Test
    void aGtsrbSizedImageMatchesPillow() {
        int[] out = unsigned(Resize.planes(image(45, 38), 1, 38, 45, 32, 32));
        assertArrayEquals(new int[] {32, 81, 129, 143, 174, 67, 74, 109, 166, 188, 38, 75, 132, 162, 162, 55, 96, 109, 158, 182},
                java.util.Arrays.copyOf(out, 20));
        assertEquals(129275, java.util.Arrays.stream(out).sum());
    }

    @Test
    void channelsAreResizedIndependently() {
        byte[] two = new byte[2 * 35];
        System.arraycopy(image(7, 5), 0, two, 35, 35);
        int[] out = unsigned(Resize.planes(two, 2, 5, 7, 2, 3));
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 0, 110, 141, 141, 122, 145, 137}, out);
    }
}
