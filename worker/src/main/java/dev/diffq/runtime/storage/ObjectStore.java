package dev.diffq.runtime.storage;

import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.diffq.runtime.Retry;
import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.UploadObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.MinioException;
import io.minio.errors.ServerException;
import io.minio.messages.Item;

/**
 * The bucket, through the MinIO SDK. Every call is retried with exponential backoff while the failure is
 * transient (connection errors, 5xx, SlowDown); "not found" is an answer, not an error. Files larger than
 * the part size are uploaded by the SDK as multipart uploads.
 */
public final class ObjectStore implements AutoCloseable {
    /** Parts of 16 MiB: checkpoints of the bigger presets take a few parts; S3's minimum is 5 MiB. */
    public static final long DEFAULT_PART_SIZE = 16L * 1024 * 1024;

    private static final Set<String> NOT_FOUND = Set.of("NoSuchKey", "NoSuchObject", "NoSuchBucket", "NotFound");
    private static final Set<String> TRANSIENT_CODES = Set.of("InternalError", "SlowDown", "ServiceUnavailable",
            "RequestTimeout", "RequestTimeTooSkewed", "OperationAborted", "XMinioServerNotInitialized");

    /** Pretty-printed for people; unknown fields ignored so older workers read newer files. */
    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** One object in a listing. */
    public record ObjectInfo(String key, long size) {}

    private final MinioClient client;
    private final String bucket;
    private final long partSize;
    private final Retry retry;

    public ObjectStore(MinioClient client, String bucket, long partSize, Retry retry) {
        if (partSize < 5L * 1024 * 1024) {
            throw new IllegalArgumentException("partSize must be at least 5 MiB (S3 minimum), got " + partSize);
        }
        this.client = client;
        this.bucket = bucket;
        this.partSize = partSize;
        this.retry = retry;
    }

    public static ObjectStore connect(String endpoint, String accessKey, String secretKey, String bucket) {
        return connect(endpoint, accessKey, secretKey, bucket, DEFAULT_PART_SIZE);
    }

    public static ObjectStore connect(String endpoint, String accessKey, String secretKey, String bucket,
                                      long partSize) {
        MinioClient client = MinioClient.builder().endpoint(endpoint).credentials(accessKey, secretKey)
                .httpClient(SharedHttp.CLIENT, false).build();
        return new ObjectStore(client, bucket, partSize, Retry.standard());
    }

    /** One HTTP client for every store in the JVM: building one (TLS set-up) takes seconds on a busy machine. */
    private static final class SharedHttp {
        static final okhttp3.OkHttpClient CLIENT = io.minio.Http.newDefaultClient();
    }

    public String bucket() {
        return bucket;
    }

    /** Creates the bucket if it does not exist yet. */
    public void ensureBucket() throws IOException {
        run("ensure bucket " + bucket, () -> {
            if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                try {
                    client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
                } catch (ErrorResponseException e) {
                    String code = e.errorResponse().code();
                    if (!"BucketAlreadyOwnedByYou".equals(code) && !"BucketAlreadyExists".equals(code)) {
                        throw e;
                    }
                }
            }
            return null;
        });
    }

    public void putBytes(String key, byte[] data, String contentType) throws IOException {
        run("put " + key, () -> client.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
                .stream(new ByteArrayInputStream(data), (long) data.length, -1L)
                .contentType(contentType).build()));
    }

    public void putJson(String key, Object value) throws IOException {
        putBytes(key, JSON.writeValueAsBytes(value), "application/json");
    }

    /** Uploads a local file; the SDK switches to a multipart upload above the part size. */
    public void putFile(String key, Path file, String contentType) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new FileNotFoundException("not a file: " + file);
        }
        run("upload " + key, () -> client.uploadObject(UploadObjectArgs.builder().bucket(bucket).object(key)
                .filename(file.toString(), partSize).contentType(contentType).build()));
    }

    /** The object's bytes, or empty when there is no such object. */
    public Optional<byte[]> get(String key) throws IOException {
        return run("get " + key, () -> {
            try (InputStream in = client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
                return Optional.of(in.readAllBytes());
            } catch (ErrorResponseException e) {
                if (isNotFound(e)) {
                    return Optional.<byte[]>empty();
                }
                throw e;
            }
        });
    }

    public <T> Optional<T> getJson(String key, Class<T> type) throws IOException {
        Optional<byte[]> bytes = get(key);
        return bytes.isEmpty() ? Optional.empty() : Optional.of(JSON.readValue(bytes.get(), type));
    }

    public boolean exists(String key) throws IOException {
        return run("stat " + key, () -> {
            try {
                client.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
                return true;
            } catch (ErrorResponseException e) {
                if (isNotFound(e)) {
                    return false;
                }
                throw e;
            }
        });
    }

    /**
     * Downloads an object to {@code target} (parent folders created). Written to a temporary file and moved
     * into place, so a reader never sees half a file.
     * @throws FileNotFoundException when there is no such object
     */
    public void download(String key, Path target) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        boolean found = run("download " + key, () -> {
            Path tmp = Files.createTempFile(parent, ".part-", ".tmp");
            try (InputStream in = client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                return true;
            } catch (ErrorResponseException e) {
                if (isNotFound(e)) {
                    return false;
                }
                throw e;
            } finally {
                Files.deleteIfExists(tmp);
            }
        });
        if (!found) {
            throw new FileNotFoundException("no object " + key + " in bucket " + bucket);
        }
    }

    /** Every object under {@code prefix} (recursively), in key order. */
    public List<ObjectInfo> list(String prefix) throws IOException {
        return run("list " + prefix, () -> {
            List<ObjectInfo> out = new ArrayList<>();
            for (Result<Item> r : client.listObjects(ListObjectsArgs.builder().bucket(bucket).prefix(prefix)
                    .recursive(true).build())) {
                Item item = r.get();
                if (!item.isDir()) {
                    out.add(new ObjectInfo(item.objectName(), item.size()));
                }
            }
            return out;
        });
    }

    public void delete(String key) throws IOException {
        run("delete " + key, () -> {
            client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
            return null;
        });
    }

    @Override
    public void close() throws Exception {
        client.close();
    }

    private static boolean isNotFound(ErrorResponseException e) {
        return e.errorResponse() != null && NOT_FOUND.contains(e.errorResponse().code());
    }

    /** Connection trouble, 5xx and throttling are worth another try; 4xx answers are not. */
    static boolean isTransient(Exception e) {
        if (e instanceof ErrorResponseException ere) {
            return ere.errorResponse() != null && TRANSIENT_CODES.contains(ere.errorResponse().code());
        }
        if (e instanceof ServerException se) {
            return se.statusCode() >= 500 || se.statusCode() == 429;
        }
        if (e instanceof InterruptedIOException && Thread.currentThread().isInterrupted()) {
            return false;
        }
        if (e instanceof IOException) {
            return true;
        }
        if (e instanceof MinioException) {
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                if (c instanceof IOException) {
                    return true;
                }
            }
        }
        return false;
    }

    private <T> T run(String what, Retry.Operation<T> op) throws IOException {
        try {
            return retry.call(what, op, ObjectStore::isTransient);
        } catch (IOException e) {
            throw e;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(what + " in bucket " + bucket + " failed: " + e, e);
        }
    }
}
