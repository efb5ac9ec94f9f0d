package dev.diffq.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;

/**
 * An S3-compatible server (s3proxy over a filesystem directory) running in this JVM on loopback.
 * Stands in for MinIO in the local stack and the tests; data lives under {@code dataDir}.
 */
public final class EmbeddedS3 implements AutoCloseable {
    public static final String DEFAULT_ACCESS_KEY = "diffq";
    public static final String DEFAULT_SECRET_KEY = "diffq-secret";

    private final S3Proxy proxy;
    private final URI endpoint;
    private final Path dataDir;
    private final boolean deleteOnClose;

    private EmbeddedS3(S3Proxy proxy, URI endpoint, Path dataDir, boolean deleteOnClose) {
        this.proxy = proxy;
        this.endpoint = endpoint;
        this.dataDir = dataDir;
        this.deleteOnClose = deleteOnClose;
    }

    public static EmbeddedS3 startTemporary() {
        try {
            return start(Files.createTempDirectory("diffq-s3"), 0, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @param port the HTTP port, or 0 for a free one */
    public static EmbeddedS3 start(Path dataDir, int port, boolean deleteOnClose) {
        try {
            Files.createDirectories(dataDir);
            int p = port > 0 ? port : EmbeddedKafka.freePort();
            URI endpoint = URI.create("http://127.0.0.1:" + p);
            S3Proxy proxy = S3Proxy.builder()
                    .blobStore(new FilesystemNio2BlobStore(dataDir.toAbsolutePath().toString()))
                    .endpoint(endpoint)
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY)
                    .ignoreUnknownHeaders(true)
                    .build();
            proxy.start();
            long deadline = System.currentTimeMillis() + 20_000;
            while (!"STARTED".equals(proxy.getState())) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("s3proxy did not start in 20 s (state " + proxy.getState() + ")");
                }
                Thread.sleep(10);
            }
            return new EmbeddedS3(proxy, endpoint, dataDir, deleteOnClose);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("could not start the embedded S3 server: " + e.getMessage(), e);
        }
    }

    public String endpoint() {
        return endpoint.toString();
    }

    public String accessKey() {
        return DEFAULT_ACCESS_KEY;
    }

    public String secretKey() {
        return DEFAULT_SECRET_KEY;
    }

    public Path dataDir() {
        return dataDir;
    }

    @Override
    public void close() {
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        if (deleteOnClose) {
            DeleteTree.quietly(dataDir);
        }
    }
}
