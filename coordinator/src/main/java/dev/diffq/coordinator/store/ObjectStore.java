package dev.diffq.coordinator.store;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.diffq.coordinator.kafka.UnavailableException;
import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.Http;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.MinioException;
import io.minio.messages.Item;

/**
 * The bucket, through the MinIO SDK. Any failure to reach the server becomes {@link UnavailableException} (503);
 * a missing object is an empty Optional. Presigned URLs are made by a second client configured with the
 * public endpoint, so links handed to clients point where clients can reach; that client knows its region
 * up front so presigning needs no network call.
 */
public final class ObjectStore implements AutoCloseable {
    public record StoredObject(String key, long size) {}

    public record ObjectInfo(long size, String contentType, Map<String, String> userMetadata) {}

    private final MinioClient client;
    private final MinioClient publicClient;
    private final String bucket;
    private final int presignSeconds;

    public ObjectStore(String endpoint, String publicEndpoint, String accessKey, String secretKey, String region,
            String bucket, int presignSeconds) {
        this.client = MinioClient.builder().endpoint(endpoint).credentials(accessKey, secretKey).region(region).build();
        this.client.setTimeout(5_000, 60_000, 60_000);
        this.publicClient = MinioClient.builder().endpoint(publicEndpoint).credentials(accessKey, secretKey)
                .region(region).build();
        this.bucket = bucket;
        this.presignSeconds = presignSeconds;
    }

    public String bucket() {
        return bucket;
    }

    public boolean bucketExists() {
        try {
            return client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build());
        } catch (MinioException | RuntimeException e) {
            throw unavailable("bucket check", e);
        }
    }

    public void ensureBucket() {
        if (!bucketExists()) {
            try {
                client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
            } catch (ErrorResponseException e) {
                if (!"BucketAlreadyOwnedByYou".equals(e.errorResponse().code())
                        && !"BucketAlreadyExists".equals(e.errorResponse().code())) {
                    throw unavailable("make bucket", e);
                }
            } catch (MinioException | RuntimeException e) {
                throw unavailable("make bucket", e);
            }
        }
    }

    public void put(String key, byte[] data, String contentType) {
        put(key, data, contentType, Map.of());
    }

    public void put(String key, byte[] data, String contentType, Map<String, String> userMetadata) {
        try {
            putOnce(key, data, contentType, userMetadata);
        } catch (ErrorResponseException e) {
            if (e.errorResponse() == null || !"NoSuchBucket".equals(e.errorResponse().code())) {
                throw unavailable("put " + key, e);
            }
            // S3 was down when the coordinator started, so the bucket was never made: make it now.
            ensureBucket();
            try {
                putOnce(key, data, contentType, userMetadata);
            } catch (MinioException | java.io.IOException | RuntimeException again) {
                throw unavailable("put " + key, again);
            }
        } catch (MinioException | java.io.IOException | RuntimeException e) {
            throw unavailable("put " + key, e);
        }
    }

    private void putOnce(String key, byte[] data, String contentType, Map<String, String> userMetadata)
            throws MinioException, java.io.IOException {
        try (InputStream in = new ByteArrayInputStream(data)) {
            client.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
                    .stream(in, (long) data.length, -1L).contentType(contentType)
                    .userMetadata(userMetadata).build());
        }
    }

    public Optional<byte[]> get(String key) {
        try (InputStream in = client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            return Optional.of(in.readAllBytes());
        } catch (ErrorResponseException e) {
            if (isMissing(e)) {
                return Optional.empty();
            }
            throw unavailable("get " + key, e);
        } catch (MinioException | java.io.IOException | RuntimeException e) {
            throw unavailable("get " + key, e);
        }
    }

    public Optional<ObjectInfo> stat(String key) {
        try {
            StatObjectResponse r = client.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
            Map<String, String> meta = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            Http.Headers headers = r.userMetadata();
            if (headers != null) {
                for (var e : headers) {
                    meta.put(e.getKey(), e.getValue());
                }
            }
            return Optional.of(new ObjectInfo(r.size(), r.contentType(), meta));
        } catch (ErrorResponseException e) {
            if (isMissing(e)) {
                return Optional.empty();
            }
            throw unavailable("stat " + key, e);
        } catch (MinioException | RuntimeException e) {
            throw unavailable("stat " + key, e);
        }
    }

    public boolean exists(String key) {
        return stat(key).isPresent();
    }

    public List<StoredObject> list(String prefix) {
        List<StoredObject> out = new ArrayList<>();
        try {
            for (Result<Item> r : client.listObjects(
                    ListObjectsArgs.builder().bucket(bucket).prefix(prefix).recursive(true).build())) {
                Item item = r.get();
                if (!item.isDir()) {
                    out.add(new StoredObject(item.objectName(), item.size()));
                }
            }
            return out;
        } catch (MinioException | RuntimeException e) {
            throw unavailable("list " + prefix, e);
        }
    }

    public void deleteQuietly(String key) {
        try {
            client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
        } catch (MinioException | RuntimeException e) {
            // best effort: used to tidy after a failed submission
        }
    }

    /** A GET URL on the public endpoint, valid for the configured time. */
    public String presignedGet(String key) {
        try {
            return publicClient.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder().method(Http.Method.GET)
                    .bucket(bucket).object(key).expiry(presignSeconds).build());
        } catch (MinioException | RuntimeException e) {
            throw unavailable("presign " + key, e);
        }
    }

    private static boolean isMissing(ErrorResponseException e) {
        String code = e.errorResponse() == null ? "" : e.errorResponse().code();
        return "NoSuchKey".equals(code) || "NoSuchObject".equals(code) || "NotFound".equals(code)
                || (e.response() != null && e.response().code() == 404 && !"NoSuchBucket".equals(code));
    }

    private static UnavailableException unavailable(String what, Exception e) {
        return new UnavailableException("object storage unavailable (" + what + "): " + e.getMessage(), e);
    }

    @Override
    public void close() throws Exception {
        client.close();
        publicClient.close();
    }
}
