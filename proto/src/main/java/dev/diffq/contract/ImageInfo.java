package dev.diffq.contract;

/** What the coordinator knows of an uploaded image (POST /v1/uploads). */
public record ImageInfo(int width, int height, int channels) {}
