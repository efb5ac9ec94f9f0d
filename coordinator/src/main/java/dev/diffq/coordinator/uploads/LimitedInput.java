package dev.diffq.coordinator.uploads;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import dev.diffq.coordinator.api.ApiException;

/** Reads a request body into memory, answering 413 as soon as it passes its limit. */
public final class LimitedInput {
    private LimitedInput() {}

    public static byte[] readAll(InputStream in, long limit, String what) {
        if (in == null) {
            throw ApiException.invalid("body", "is required");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                total += n;
                if (total > limit) {
                    throw ApiException.tooLarge("body", what + " must be at most " + limit + " bytes");
                }
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
