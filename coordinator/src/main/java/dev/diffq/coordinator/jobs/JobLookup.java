package dev.diffq.coordinator.jobs;

/** What validation needs to know about things outside the spec: jobs, uploads and datasets. */
public interface JobLookup {
    /** The state of a job, or null when there is no such job. */
    dev.diffq.proto.JobState jobState(String jobId);

    boolean uploadExists(String uploadId);

    boolean datasetExists(String name);
}
