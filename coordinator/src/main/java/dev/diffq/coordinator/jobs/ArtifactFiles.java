package dev.diffq.coordinator.jobs;

import java.util.ArrayList;
import java.util.List;

import dev.diffq.contract.ContentTypes;
import dev.diffq.contract.ObjectKeys;
import dev.diffq.coordinator.store.ObjectStore;
import dev.diffq.proto.Artifact;

/**
 * The downloadable files behind a job's artifacts. A job record lists a checkpoint once, as a directory
 * ({@code checkpoints/step-N/}); a client can only download objects, so a directory becomes one entry per object
 * under its prefix. Every other artifact is one object already.
 */
public final class ArtifactFiles {
    private ArtifactFiles() {}

    /** One object: its name relative to the job's prefix and its full key in the bucket. */
    public record ArtifactFile(String name, long size, String contentType, String kind, String key) {}

    public static boolean isDirectory(Artifact a) {
        return a.getName().endsWith("/") || ContentTypes.DIRECTORY.equals(a.getContentType());
    }

    /** The record's artifacts in order, each directory replaced by its objects (in key order). */
    public static List<ArtifactFile> of(String jobId, List<Artifact> artifacts, ObjectStore store) {
        String jobPrefix = ObjectKeys.jobPrefix(jobId);
        List<ArtifactFile> out = new ArrayList<>();
        for (Artifact a : artifacts) {
            if (!isDirectory(a)) {
                out.add(new ArtifactFile(a.getName(), a.getSize(), a.getContentType(), a.getKind(), jobPrefix + a.getName()));
                continue;
            }
            String dir = a.getName().endsWith("/") ? a.getName() : a.getName() + "/";
            // A directory whose objects are gone (deleted behind the record's back) lists nothing: there is nothing to fetch.
            for (ObjectStore.StoredObject o : store.list(jobPrefix + dir)) {
                String name = o.key().substring(jobPrefix.length());
                out.add(new ArtifactFile(name, o.size(), ContentTypes.of(name), a.getKind(), o.key()));
            }
        }
        return out;
    }
}
