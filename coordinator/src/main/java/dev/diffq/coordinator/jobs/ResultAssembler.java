package dev.diffq.coordinator.jobs;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.diffq.contract.ObjectKeys;
import dev.diffq.coordinator.store.ObjectStore;
import dev.diffq.proto.Artifact;
import dev.diffq.proto.JobRecord;

/**
 * Finishes a sample job once all its shards have succeeded: composes one grid from every image the shards
 * wrote under jobs/&lt;id&gt;/samples/ (sample_c&lt;label&gt;_&lt;n&gt;.png, n the global image index; one row per
 * class when the job lists classes) and writes
 * result.json, the completion marker and index, last.
 */
public final class ResultAssembler {
    /** Grids larger than this many images are not composed (the index still lists every image). */
    static final int MAX_GRID_IMAGES = 4096;
    public static final String GRID = "samples/grid.png";

    /** The workers' image names: label {@code 3}, {@code u} (unconditional) or {@code 3-8} (anagram, hybrid); n = global index. */
    private static final Pattern SAMPLE = Pattern.compile("sample_c([0-9u-]+)_(\\d+)\\.png");
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Image(String key, long size, String label, int index) {}

    private final ObjectStore store;

    public ResultAssembler(ObjectStore store) {
        this.store = store;
    }

    /** Writes the grid and result.json; answers the artifacts to add to the record. */
    public List<Artifact> finish(JobRecord job) {
        String prefix = ObjectKeys.jobPrefix(job.getId());
        // Shards may write into sub-folders of samples/; the global image index orders (and dedupes) them.
        java.util.TreeMap<Integer, Image> byIndex = new java.util.TreeMap<>();
        for (ObjectStore.StoredObject o : store.list(ObjectKeys.samples(job.getId()))) {
            String file = o.key().substring(o.key().lastIndexOf('/') + 1);
            Matcher m = SAMPLE.matcher(file);
            if (m.matches()) {
                Image i = new Image(o.key(), o.size(), m.group(1), Integer.parseInt(m.group(2)));
                byIndex.merge(i.index(), i, (a, b) -> a.key().compareTo(b.key()) <= 0 ? a : b);
            }
        }
        List<Image> images = new ArrayList<>(byIndex.values());
        List<Artifact> added = new ArrayList<>();

        ObjectNode result = JSON.createObjectNode();
        result.put("job_id", job.getId());
        result.put("state", "SUCCEEDED");
        result.put("shards", job.getShardsTotal());
        ArrayNode index = result.putArray("images");
        for (Image i : images) {
            index.addObject().put("name", i.key().substring(prefix.length())).put("size", i.size())
                    .put("label", i.label()).put("index", i.index());
        }
        if (!images.isEmpty() && images.size() <= MAX_GRID_IMAGES) {
            var sample = job.getSpec().getSample();
            boolean classRows = sample.getClassesCount() > 0 && !sample.hasAnagram() && !sample.hasHybrid();
            int columns = classRows ? Math.max(1, sample.getPerClass()) : (int) Math.ceil(Math.sqrt(images.size()));
            byte[] grid = grid(images, columns);
            store.put(prefix + GRID, grid, "image/png");
            added.add(Artifact.newBuilder().setName(GRID).setSize(grid.length).setContentType("image/png")
                    .setKind("grid").build());
            result.put("grid", GRID);
        }
        byte[] json = result.toPrettyString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        store.put(ObjectKeys.result(job.getId()), json, "application/json");
        added.add(Artifact.newBuilder().setName("result.json").setSize(json.length)
                .setContentType("application/json").setKind("result").build());
        return added;
    }

    private byte[] grid(List<Image> images, int columns) {
        List<BufferedImage> tiles = new ArrayList<>();
        int w = 1;
        int h = 1;
        for (Image i : images) {
            BufferedImage img = read(i.key());
            tiles.add(img);
            if (img != null) {
                w = Math.max(w, img.getWidth());
                h = Math.max(h, img.getHeight());
            }
        }
        int rows = (tiles.size() + columns - 1) / columns;
        int pad = 2;
        BufferedImage out = new BufferedImage(columns * (w + pad) + pad, rows * (h + pad) + pad,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, out.getWidth(), out.getHeight());
            for (int k = 0; k < tiles.size(); k++) {
                if (tiles.get(k) != null) {
                    g.drawImage(tiles.get(k), pad + (k % columns) * (w + pad), pad + (k / columns) * (h + pad), null);
                }
            }
        } finally {
            g.dispose();
        }
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ImageIO.write(out, "png", bytes);
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private BufferedImage read(String key) {
        return store.get(key).map(bytes -> {
            try {
                return ImageIO.read(new ByteArrayInputStream(bytes));
            } catch (IOException e) {
                return null;
            }
        }).orElse(null);
    }
}
