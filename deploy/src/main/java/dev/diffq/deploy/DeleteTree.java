package dev.diffq.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

public final class DeleteTree {
    private DeleteTree() {}

    /** Deletes a directory tree, ignoring what cannot be deleted (temporary data only). */
    public static void quietly(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // temporary data: best effort
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
