package dev.diffq.coordinator;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

import dev.diffq.contract.ObjectKeys;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;

@QuarkusTest
@WithTestResource(CoordinatorServices.class)
class UploadTest {
    @Inject
    CoordinatorRuntime runtime;

    static byte[] image(int w, int h, int type, String format) throws IOException {
        BufferedImage img = new BufferedImage(w, h, type);
        img.getRaster().setSample(1, 1, 0, 200);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, format, out);
        return out.toByteArray();
    }

    @Test
    void aPngUploadIsStoredWithItsShape() throws Exception {
        Response r = given().contentType("image/png").body(image(28, 20, BufferedImage.TYPE_BYTE_GRAY, "png"))
                .post("/v1/uploads");
        r.then().statusCode(201).body("width", equalTo(28)).body("height", equalTo(20)).body("channels", equalTo(1));
        String id = r.path("id");
        BufferedImage stored = ImageIO.read(new ByteArrayInputStream(runtime.store().get(ObjectKeys.input(id)).orElseThrow()));
        assertEquals(28, stored.getWidth());
        given().get("/v1/uploads/" + id).then().statusCode(200).body("width", equalTo(28)).body("height", equalTo(20))
                .body("channels", equalTo(1));
        given().get("/v1/uploads/u-0000000000000000").then().statusCode(404);
    }

    @Test
    void aJpegUploadIsStoredAsPng() throws Exception {
        Response r = given().contentType("image/jpeg").body(image(32, 32, BufferedImage.TYPE_INT_RGB, "jpeg"))
                .post("/v1/uploads");
        r.then().statusCode(201).body("channels", equalTo(3));
        byte[] stored = runtime.store().get(ObjectKeys.input(r.path("id"))).orElseThrow();
        assertEquals((byte) 0x89, stored[0]);
        assertEquals('P', stored[1]);
    }

    @Test
    void uploadsThatAreNotImagesOrTooLargeAreRefused() {
        given().contentType("image/png").body("not an image".getBytes()).post("/v1/uploads").then().statusCode(400)
                .body("violations.field", hasItem("body"));
        byte[] big = new byte[8 * 1024 * 1024 + 1];
        given().contentType("image/png").body(big).post("/v1/uploads").then().statusCode(413)
                .body("error", equalTo("too_large")).body("violations.field", hasItem("body"));
    }

    static byte[] zip(List<String> names, byte[] content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (String n : names) {
                zip.putNextEntry(new ZipEntry(n));
                if (!n.endsWith("/")) {
                    zip.write(content);
                }
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    @Test
    void aDatasetZipIsUnpackedByClass() throws Exception {
        byte[] png = image(8, 8, BufferedImage.TYPE_BYTE_GRAY, "png");
        byte[] body = zip(List.of("flowers/", "flowers/daisy/a.png", "flowers/daisy/b.png", "flowers/rose/c.png",
                "__MACOSX/flowers/._a.png"), png);
        given().contentType("application/zip").body(body).post("/v1/datasets/flowers").then().statusCode(201)
                .body("name", equalTo("flowers")).body("images", equalTo(3)).body("classes", equalTo(List.of("daisy", "rose")));
        assertTrue(runtime.store().exists("datasets/flowers/daisy/a.png"));
        assertTrue(runtime.store().exists("datasets/flowers/rose/c.png"));
        assertTrue(runtime.store().exists("datasets/flowers/manifest.json"));
        // Now a training job may name it.
        given().contentType("application/json").body("{\"train\":{\"dataset\":\"upload:flowers\",\"steps\":3}}")
                .post("/v1/jobs").then().statusCode(201);
    }

    @Test
    void badDatasetsAreRefused() throws Exception {
        byte[] png = image(8, 8, BufferedImage.TYPE_BYTE_GRAY, "png");
        given().contentType("application/zip").body(zip(List.of("a/x.png"), png)).post("/v1/datasets/Bad!Name")
                .then().statusCode(400).body("violations.field", hasItem("name"));
        given().contentType("application/zip").body("garbage".getBytes()).post("/v1/datasets/junk").then().statusCode(400)
                .body("violations.field", hasItem("body"));
        given().contentType("application/zip").body(zip(List.of("cls/x.txt"), png)).post("/v1/datasets/text")
                .then().statusCode(400).body("violations.field", hasItem("body"));
        given().contentType("application/zip").body(zip(List.of("cls/x.png"), "broken".getBytes()))
                .post("/v1/datasets/broken").then().statusCode(400);
        assertTrue(!runtime.store().exists("datasets/broken/manifest.json"));
        // The test profile allows 1 MiB per dataset.
        given().contentType("application/zip").body(new byte[1024 * 1024 + 10]).post("/v1/datasets/huge").then()
                .statusCode(413).body("error", equalTo("too_large"));
    }
}
