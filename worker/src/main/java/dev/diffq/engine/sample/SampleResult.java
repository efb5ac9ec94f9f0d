package dev.diffq.engine.sample;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a sampling run wrote.
 *
 * @param images        one PNG per image, in global-index order
 * @param grid          all images of the run tiled (grid.png)
 * @param trajectoryGif the denoising trajectory of the first batch (trajectory.gif), or null
 * @param extraFiles    mode-specific extras (e.g. grid_rotated.png for anagrams)
 * @param modelEvaluations denoiser calls made (each one batched forward)
 */
public record SampleResult(List<GeneratedImage> images, Path grid, Path trajectoryGif, List<Path> extraFiles,
                           long modelEvaluations, long elapsedMillis) {

    /** One image: its global index, file-name label ("3", "u", "3-8") and file. */
    public record GeneratedImage(long index, String label, Path file) {
    }

    public SampleResult {
        images = List.copyOf(images);
        extraFiles = List.copyOf(extraFiles);
    }

    /** Every file written, images first. */
    public List<Path> files() {
        List<Path> all = new ArrayList<>();
        images.forEach(i -> all.add(i.file()));
        all.add(grid);
        if (trajectoryGif != null) {
            all.add(trajectoryGif);
        }
        all.addAll(extraFiles);
        return all;
    }
}
