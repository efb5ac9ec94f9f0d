package dev.diffq.coordinator.uploads;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import dev.diffq.contract.ObjectKeys;
import dev.diffq.coordinator.api.ApiException;
import dev.diffq.coordinator.store.ObjectStore;

/**
 * Uploaded images (inpainting images and masks, img2img inputs). Stored as PNG at inputs/&lt;id&gt;.png,
 * whatever the upload's format, with width, height and channels as object metadata.
 */
public final class ImageUploads {
    public record Upload(String id, int width, int height, int channels, long size) {}

    private static final Pattern ID = Pattern.compile("u-[0-9a-f]{16}");
    private final ObjectStore store;
    private final SecureRandom random = new SecureRandom();

    public ImageUploads(ObjectStore store) {
        this.store = store;
    }

    public Upload store(byte[] body) {
        BufferedImage image = decode(body);
        if (image == null) {
            throw ApiException.invalid("body", "must be a PNG or JPEG image");
        }
        byte[] png = isPng(body) ? body : encodePng(image);
        int channels = image.getColorModel().getNumComponents();
        byte[] idBytes = new byte[8];
        random.nextBytes(idBytes);
        String id = "u-" + HexFormat.of().formatHex(idBytes);
        store.put(ObjectKeys.input(id), png, "image/png", Map.of(
                "width", Integer.toString(image.getWidth()),
                "height", Integer.toString(image.getHeight()),
                "channels", Integer.toString(channels)));
        return new Upload(id, image.getWidth(), image.getHeight(), channels, png.length);
    }

    public Optional<Upload> find(String id) {
        if (!ID.matcher(id).matches()) {
            return Optional.empty();
        }
        return store.stat(ObjectKeys.input(id)).map(info -> new Upload(id,
                intOf(info.userMetadata().get("width")), intOf(info.userMetadata().get("height")),
                intOf(info.userMetadata().get("channels")), info.size()));
    }

    static BufferedImage decode(byte[] body) {
        try {
            return ImageIO.read(new ByteArrayInputStream(body));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static boolean isPng(byte[] b) {
        return b.length > 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G';
    }

    private static byte[] encodePng(BufferedImage image) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int intOf(String s) {
        try {
            return s == null ? 0 : Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
