package dev.diffq.coordinator.uploads;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.diffq.contract.ObjectKeys;
import dev.diffq.contract.SpecValidator;
import dev.diffq.coordinator.api.ApiException;
import dev.diffq.coordinator.store.ObjectStore;

/**
 * An uploaded dataset: a zip with one folder per class of PNG/JPEG images (optionally all under one
 * top folder), unpacked to datasets/&lt;name&gt;/&lt;class&gt;/&lt;file&gt; with a manifest.json written last
 * (the dataset exists, for validation and workers, once the manifest does). Every image is decoded first,
 * so nothing is stored from a zip with a broken image.
 */
public final class DatasetUnpacker {
    public static final String MANIFEST = "manifest.json";
    public record Dataset(String name, int images, List<String> classes) {}

    private static final Pattern CLASS = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 _.-]{0,99}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Entry(String path, byte[] data) {}

    private final ObjectStore store;
    private final long unpackedLimit;

    public DatasetUnpacker(ObjectStore store, long unpackedLimit) {
        this.store = store;
        this.unpackedLimit = unpackedLimit;
    }

    public static void checkName(String name) {
        if (!SpecValidator.DATASET_NAME.matcher(name).matches()) {
            throw ApiException.invalid("name", "must be 1 to 63 of a-z, 0-9, '.', '_', '-' starting with a letter or digit");
        }
    }

    public Dataset unpack(String name, byte[] zip) {
        checkName(name);
        List<Entry> entries = readImages(zip);
        if (entries.isEmpty()) {
            throw ApiException.invalid("body", "must be a zip holding one folder per class of PNG or JPEG images");
        }
        String top = commonTopFolder(entries);
        TreeMap<String, List<Entry>> byClass = new TreeMap<>();
        for (Entry e : entries) {
            String path = top == null ? e.path() : e.path().substring(top.length() + 1);
            String[] parts = path.split("/");
            if (parts.length != 2) {
                throw ApiException.invalid("body", "image " + e.path() + " is not directly inside a class folder");
            }
            if (!CLASS.matcher(parts[0]).matches()) {
                throw ApiException.invalid("body", "class folder name '" + parts[0] + "' must match " + CLASS);
            }
            if (ImageUploads.decode(e.data()) == null) {
                throw ApiException.invalid("body", e.path() + " is not a readable PNG or JPEG image");
            }
            byClass.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(new Entry(parts[1], e.data()));
        }
        String prefix = ObjectKeys.dataset(name);
        int images = 0;
        for (var c : byClass.entrySet()) {
            for (Entry e : c.getValue()) {
                store.put(prefix + c.getKey() + "/" + e.path(), e.data(), contentType(e.path()));
                images++;
            }
        }
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("name", name);
        manifest.put("images", images);
        manifest.putPOJO("classes", List.copyOf(byClass.keySet()));
        store.put(prefix + MANIFEST, manifest.toString().getBytes(StandardCharsets.UTF_8), "application/json");
        return new Dataset(name, images, List.copyOf(byClass.keySet()));
    }

    /** The number of classes of an uploaded dataset, from its manifest; empty when there is none. */
    public java.util.Optional<Integer> classes(String name) {
        if (!SpecValidator.DATASET_NAME.matcher(name).matches()) {
            return java.util.Optional.empty();
        }
        return store.get(ObjectKeys.dataset(name) + MANIFEST).map(bytes -> {
            try {
                return JSON.readTree(bytes).path("classes").size();
            } catch (IOException e) {
                return 0;
            }
        }).filter(n -> n > 0);
    }

    private List<Entry> readImages(byte[] zip) {
        List<Entry> out = new ArrayList<>();
        long unpacked = 0;
        boolean anyEntry = false;
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            ZipEntry z;
            byte[] buf = new byte[64 * 1024];
            while ((z = in.getNextEntry()) != null) {
                anyEntry = true;
                String path = z.getName().replace('\\', '/');
                if (z.isDirectory() || ignored(path)) {
                    continue;
                }
                if (path.startsWith("/") || path.contains("../")) {
                    throw ApiException.invalid("body", "zip entry " + path + " has an unsafe path");
                }
                if (!isImageName(path)) {
                    throw ApiException.invalid("body", "zip entry " + path + " is not a .png, .jpg or .jpeg file");
                }
                ByteArrayOutputStream data = new ByteArrayOutputStream();
                int n;
                while ((n = in.read(buf)) > 0) {
                    unpacked += n;
                    if (unpacked > unpackedLimit) {
                        throw ApiException.tooLarge("body", "dataset must unpack to at most " + unpackedLimit + " bytes");
                    }
                    data.write(buf, 0, n);
                }
                out.add(new Entry(path, data.toByteArray()));
            }
        } catch (IOException e) {
            throw ApiException.invalid("body", "must be a zip archive (" + e.getMessage() + ")");
        }
        if (!anyEntry) {
            throw ApiException.invalid("body", "must be a zip archive with at least one class folder");
        }
        return out;
    }

    /** Metadata folders and hidden files that archivers add. */
    private static boolean ignored(String path) {
        for (String part : path.split("/")) {
            if (part.startsWith(".") || part.equals("__MACOSX")) {
                return true;
            }
        }
        return false;
    }

    private static boolean isImageName(String path) {
        String p = path.toLowerCase(Locale.ROOT);
        return p.endsWith(".png") || p.endsWith(".jpg") || p.endsWith(".jpeg");
    }

    private static String contentType(String path) {
        return path.toLowerCase(Locale.ROOT).endsWith(".png") ? "image/png" : "image/jpeg";
    }

    /** The one folder everything sits in when the zip was made from the dataset's folder itself. */
    private static String commonTopFolder(List<Entry> entries) {
        String top = null;
        for (Entry e : entries) {
            String[] parts = e.path().split("/");
            if (parts.length < 3) {
                return null;
            }
            if (top == null) {
                top = parts[0];
            } else if (!top.equals(parts[0])) {
                return null;
            }
        }
        return top;
    }
}
